// An Express router for test/security/differential-routers.test.ts: each handler answers its
// name and the path it saw. Express matches case-insensitively by default (kept: that is how it
// is deployed). Usage: node express-router.mjs <port>
import express from 'express';

const app = express();
const named = (name) => (req, res) => res.type('text/plain').send(`handler=${name}\npath=${req.originalUrl}\n`);
app.use('/public', named('public'));
app.use('/admin', named('admin'));
app.use('/p/:x/terminal', named('terminal'));
app.use(named('root'));
app.listen(Number(process.argv[2]), '127.0.0.1', () => console.log(`listening on 127.0.0.1:${process.argv[2]}`));
