// SPDX-License-Identifier: GPL-2.0-or-later
//
// cnidriver: a minimal CNI runtime over libcni 1.1 (Debian's
// golang-github-appc-cni-dev), to check podnet-bridge with a real client.
// Built by tests/cni/run.sh into a temporary directory, offline:
//   GOPATH=/usr/share/gocode GO111MODULE=off go build -o DIR/cnidriver tests/cni/cnidriver.go
// Usage:
//   cnidriver add|check|del|validate CONFLIST CONTAINERID NETNS IFNAME [CNI_ARGS] [CAPABILITY_ARGS_JSON]
//   cnidriver version CONFLIST
// CNI_PATH is the plugin search path; CNI_CACHE_DIR (default: a directory
// beside the conflist) keeps libcni's result cache. ADD prints the result;
// VERSION prints one line per plugin: "TYPE VERSION,VERSION,...".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

func die(format string, a ...interface{}) {
	fmt.Fprintf(os.Stderr, "cnidriver: "+format+"\n", a...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 3 {
		die("usage: cnidriver add|check|del|validate|version CONFLIST [CONTAINERID NETNS IFNAME [CNI_ARGS] [CAPABILITY_ARGS]]")
	}
	cmd, confPath := os.Args[1], os.Args[2]
	list, err := libcni.ConfListFromFile(confPath)
	if err != nil {
		die("loading %s: %v", confPath, err)
	}
	cacheDir := os.Getenv("CNI_CACHE_DIR")
	if cacheDir == "" {
		cacheDir = filepath.Join(filepath.Dir(confPath), "cache")
	}
	cni := libcni.NewCNIConfigWithCacheDir(filepath.SplitList(os.Getenv("CNI_PATH")), cacheDir, nil)
	ctx := context.Background()

	if cmd == "version" {
		for _, p := range list.Plugins {
			info, err := cni.GetVersionInfo(ctx, p.Network.Type)
			if err != nil {
				die("VERSION of %s: %v", p.Network.Type, err)
			}
			fmt.Printf("%s %s\n", p.Network.Type, strings.Join(info.SupportedVersions(), ","))
		}
		return
	}
	if cmd == "validate" {
		caps, err := cni.ValidateNetworkList(ctx, list)
		if err != nil {
			die("validate: %v", err)
		}
		fmt.Println(strings.Join(caps, ","))
		return
	}
	if len(os.Args) < 6 {
		die("%s needs CONTAINERID NETNS IFNAME", cmd)
	}
	rt := &libcni.RuntimeConf{
		ContainerID: os.Args[3],
		NetNS:       os.Args[4],
		IfName:      os.Args[5],
	}
	if len(os.Args) > 6 && os.Args[6] != "" {
		for _, kv := range strings.Split(os.Args[6], ";") {
			pair := strings.SplitN(kv, "=", 2)
			if len(pair) != 2 {
				die("bad CNI_ARGS pair %q", kv)
			}
			rt.Args = append(rt.Args, [2]string{pair[0], pair[1]})
		}
	}
	if len(os.Args) > 7 && os.Args[7] != "" {
		if err := json.Unmarshal([]byte(os.Args[7]), &rt.CapabilityArgs); err != nil {
			die("capability args: %v", err)
		}
	}
	switch cmd {
	case "add":
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			die("ADD: %v", err)
		}
		if err := res.Print(); err != nil {
			die("printing the result: %v", err)
		}
	case "check":
		if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
			die("CHECK: %v", err)
		}
	case "del":
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			die("DEL: %v", err)
		}
	default:
		die("unknown command %q", cmd)
	}
}
