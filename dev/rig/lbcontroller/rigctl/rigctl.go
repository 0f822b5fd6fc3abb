// Package rigctl holds what the rig's controllers (the load-balancer
// controller, pod-logs and kubelet-images) share: a work queue and the loop
// that drains it, and the loopback-only /healthz that dev/cluster waits on.
package rigctl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"

	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/util/workqueue"
)

// NewQueue is a rate-limited queue of object keys (namespace/name).
func NewQueue(name string) workqueue.TypedRateLimitingInterface[string] {
	return workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: name})
}

// Work hands each key of q to sync until q shuts down; a key whose sync
// fails comes back later, rate-limited.
func Work(ctx context.Context, q workqueue.TypedRateLimitingInterface[string], sync func(context.Context, string) error) {
	for {
		key, quit := q.Get()
		if quit {
			return
		}
		if err := sync(ctx, key); err != nil {
			utilruntime.HandleError(fmt.Errorf("%s: %w", key, err))
			q.AddRateLimited(key)
		} else {
			q.Forget(key)
		}
		q.Done(key)
	}
}

// ServeHealthz answers 200 on /healthz, at a loopback host:port or, given
// an absolute path, on a unix socket there (the rig's port block is full);
// it binds nothing else.
func ServeHealthz(addr string) error {
	var ln net.Listener
	var err error
	if filepath.IsAbs(addr) {
		// A socket left by a process that was killed is in the way.
		if err := os.Remove(addr); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		ln, err = net.Listen("unix", addr)
	} else {
		host, _, serr := net.SplitHostPort(addr)
		if serr != nil {
			return serr
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address", host)
		}
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	go func() { _ = http.Serve(ln, mux) }()
	return nil
}
