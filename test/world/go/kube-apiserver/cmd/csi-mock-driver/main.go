// Command csi-mock-driver serves the CSI mock driver that Kubernetes maintains for its own e2e
// tests (k8s.io/kubernetes/test/e2e/storage/drivers/csi-test/mock) on a unix socket.
//
// Why this exists: the Go module proxy this project builds from refuses
// github.com/kubernetes-csi/csi-driver-host-path (and every other CSI driver module), so the test
// world's real CSI driver is the one published inside k8s.io/kubernetes. This file is only the
// process entry point; all CSI behaviour is the published driver's.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"google.golang.org/grpc"
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
	if err := d.Start(l, serializeSnapshotCalls()); err != nil {
		klog.Fatalf("start CSI server: %v", err)
	}
	klog.Infof("CSI mock driver %q serving on %s", *driverName, path)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	d.Stop()
	_ = os.Remove(path)
}

// serializeSnapshotCalls works around a data race in the published mock: its DeleteSnapshot finds a
// snapshot's index and then deletes by that index under two separate locks (mock/cache
// SnapshotCache.go), so concurrent deletes of different snapshots can remove the wrong entry or
// panic with an index out of range, killing the driver. The CSI spec allows concurrent calls for
// different snapshots, so a sidecar must not be the one to avoid them; the test driver serializes
// its snapshot calls instead. It replaces the mock's default interceptor, so it also writes that
// interceptor's per-call log line (`gRPCCall: {...}` at V(3)), which tests and the bench count.
// No credentials are configured, so the default interceptor's auth check was a no-op.
func serializeSnapshotCalls() grpc.UnaryServerInterceptor {
	var mu sync.Mutex
	return func(ctx context.Context, req interface{}, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (interface{}, error) {
		switch info.FullMethod {
		case "/csi.v1.Controller/CreateSnapshot", "/csi.v1.Controller/DeleteSnapshot", "/csi.v1.Controller/ListSnapshots":
			mu.Lock()
			defer mu.Unlock()
		}
		rsp, err := handler(ctx, req)
		logCall(info.FullMethod, req, rsp, err)
		return rsp, err
	}
}

// logCall writes the same line as the mock driver's logGRPC.
func logCall(method string, request, reply interface{}, err error) {
	line := struct {
		Method    string
		Request   interface{}
		Response  interface{}
		Error     string
		FullError error
	}{Method: method, Request: request, Response: reply, FullError: err}
	if err != nil {
		line.Error = err.Error()
	}
	msg, _ := json.Marshal(line)
	klog.V(3).Infof("gRPCCall: %s\n", msg)
}
