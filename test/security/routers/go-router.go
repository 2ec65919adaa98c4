// A Go net/http ServeMux router for test/security/differential-routers.test.ts: each handler
// answers its name and the path it saw. Built by the test with `go build` (standard library only).
// Usage: go-router <port>
package main

import (
	"fmt"
	"net/http"
	"os"
)

func named(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "handler=%s\npath=%s\nuri=%s\n", name, r.URL.Path, r.RequestURI)
	}
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/public/", named("public"))
	mux.HandleFunc("/admin/", named("admin"))
	mux.HandleFunc("/p/{x}/terminal/", named("terminal"))
	mux.HandleFunc("/", named("root"))
	addr := "127.0.0.1:" + os.Args[1]
	fmt.Println("listening on " + addr)
	if err := http.ListenAndServe(addr, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
