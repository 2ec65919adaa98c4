/** objectGUID rendering (src/auth/ldap/guid.ts). */
import t from 'tap';
import { guidToString } from '../../../../src/auth/ldap/guid.ts';

t.test('objectGUID bytes -> GUID string (mixed-endian first three fields)', async (t) => {
  const bytes = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  t.equal(guidToString(bytes), '33221100-5544-7766-8899-aabbccddeeff');
  t.equal(guidToString(Buffer.alloc(15)), undefined);
});
