// Command csi-mock-driver serves the CSI mock driver that Kubernetes maintains for its own e2e
// tests (k8s.io/kubernetes/test/e2e/storage/drivers/csi-test/mock) on a unix socket.
//
// Why this exists: the Go module proxy this project builds from refuses
// github.com/kubernetes-csi/csi-driver-host-path (and every other CSI driver module), so the test
// world's real CSI driver is the one published inside k8s.io/kubernetes. This file is only the
// process entry point; all CSI behaviour is the published driver's.
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"k8s.io/klog/v2"
	"k8s.io/kubernetes/test/e2e/storage/drivers/csi-test/driver"
	"k8s.io/kubernetes/test/e2e/storage/drivers/csi-test/mock/service"
)

func main() {
	endpoint := flag.String("endpoint", "", "unix socket to serve CSI on: unix:///path or /path")
	driverName := flag.String("drivername", service.Name, "CSI driver name returned by GetPluginInfo")
	version := flag.Bool("version", false, "print the version and exit")
	klog.InitFlags(nil)
	flag.Parse()
	if *version {
		fmt.Println("csi-mock-driver (k8s.io/kubernetes/test/e2e/storage/drivers/csi-test/mock)")
		return
	}
	path := strings.TrimPrefix(*endpoint, "unix://")
	if path == "" || !strings.HasPrefix(path, "/") {
		fmt.Fprintln(os.Stderr, "--endpoint must be an absolute unix socket path (unix:///path or /path)")
		os.Exit(2)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		klog.Fatalf("removing stale socket %s: %v", path, err)
	}
	svc := service.New(service.Config{DriverName: *driverName, DisableAttach: true})
	d := driver.NewCSIDriver(&driver.CSIDriverServers{Controller: svc, Identity: svc, Node: svc})
	l, err := net.Listen("unix", path)
	if err != nil {
		klog.Fatalf("listen on %s: %v", path, err)
	}
	if err := d.Start(l, nil); err != nil {
		klog.Fatalf("start CSI server: %v", err)
	}
	klog.Infof("CSI mock driver %q serving on %s", *driverName, path)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	d.Stop()
	_ = os.Remove(path)
}
