// Command etcd is etcd's server, built from go.etcd.io/etcd/server/v3: the repository's root module,
// where upstream's own main lives, carries replace directives that stop `go install` from a
// consumer, so this module calls the same entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
