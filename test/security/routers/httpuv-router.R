# An R httpuv router for test/security/differential-routers.test.ts: each handler answers its
# name and the path it saw (PATH_INFO, prefix matching as a hand-written R router does). A prefix
# handler also takes the bare prefix (`/public`), as Express does and as authgate's rule glob
# `/public/**` reads it (Go and Flask redirect `/public` to `/public/`).
# Usage: Rscript httpuv-router.R <port>
suppressPackageStartupMessages(library(httpuv))
port <- as.integer(commandArgs(trailingOnly = TRUE)[1])
route <- function(p) {
  if (grepl("^/public(/|$)", p)) return("public")
  if (grepl("^/admin(/|$)", p)) return("admin")
  if (grepl("^/p/[^/]+/terminal(/|$)", p)) return("terminal")
  "root"
}
app <- list(call = function(req) {
  p <- req$PATH_INFO
  list(status = 200L, headers = list("Content-Type" = "text/plain; charset=utf-8"), body = paste0("handler=", route(p), "\npath=", p, "\n"))
})
server <- startServer("127.0.0.1", port, app)
cat(sprintf("listening on 127.0.0.1:%d\n", port))
flush(stdout())
while (TRUE) service(250)
