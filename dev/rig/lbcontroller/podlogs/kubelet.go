package main

// The API server's way to the rig's kubelet (KWOK's server).
//
// The egress selector's "cluster" connection (kubelet traffic: logs, exec,
// attach, port-forward; and pod and service proxying) is an HTTP CONNECT
// proxy on a unix socket. CONNECT to the kubelet address (KWOK's server,
// the nodes' InternalIP and daemonEndpoints port) is accepted; any other
// destination gets 403 at once, so pod IPs (10.244.x.x, labels only) are
// never dialled.
//
// An accepted tunnel is not spliced to KWOK byte for byte: this program
// answers its TLS with the same kubelet certificate KWOK has and passes
// each request on to KWOK over TLS (verified against the rig's CA). Being in
// the middle is what lets a log stream end as it does on a real node. KWOK's
// log reader never learns that a container stopped (its runtime stub says
// "Unavailable", which k8s.io/cri-client takes for "still running"), so a
// followed log (`kubectl logs -f`) would run on forever. Here:
//   - a follow request for a container that is not running is passed on
//     without follow (the kubelet streams what there is and ends);
//   - a followed stream ends cleanly (the response's last chunk) when its
//     container restarts or its pod is gone.

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/klog/v2"
)

type kubeletFront struct {
	kubelet   string // KWOK's server, host:port
	transport *http.Transport
	proxy     *httputil.ReverseProxy
	pods      corelisters.PodLister
	streams   *streams
}

// streams are the followed log streams, by "namespace/pod/container".
type streams struct {
	mu   sync.Mutex
	next int
	m    map[string]map[int]context.CancelFunc
}

func (s *streams) add(key string, cancel context.CancelFunc) (remove func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]map[int]context.CancelFunc{}
	}
	if s.m[key] == nil {
		s.m[key] = map[int]context.CancelFunc{}
	}
	id := s.next
	s.next++
	s.m[key][id] = cancel
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.m[key], id)
		if len(s.m[key]) == 0 {
			delete(s.m, key)
		}
	}
}

// end ends the streams of one container ("ns/pod/container") or, given
// "ns/pod/", of every container of the pod.
func (s *streams) end(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, m := range s.m {
		if k == key || (strings.HasSuffix(key, "/") && strings.HasPrefix(k, key)) {
			for _, cancel := range m {
				cancel()
			}
		}
	}
}

// serveEgress listens on the unix socket path for the API server's CONNECT
// requests and serves the accepted tunnels (see the file comment).
func serveEgress(ctx context.Context, path, kubelet, certFile, keyFile, caFile string, pods corelisters.PodLister, st *streams) error {
	host, _, err := net.SplitHostPort(kubelet)
	if err != nil {
		return fmt.Errorf("--kubelet-address: %w", err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--kubelet-address: %s is not a loopback address", host)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%s: no certificate", caFile)
	}
	f := &kubeletFront{kubelet: kubelet, pods: pods, streams: st}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	f.transport = &http.Transport{
		// Only ever KWOK's server, whatever the request says.
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, "tcp", kubelet)
		},
		TLSClientConfig:     &tls.Config{RootCAs: roots, ServerName: host, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     time.Minute,
	}
	f.proxy = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL.Scheme = "https"
			r.Out.URL.Host = kubelet
			r.Out.Host = kubelet
		},
		Transport:     f.transport,
		FlushInterval: -1, // streams (logs, exec, port-forward) flush at once
		// KWOK down: say so (the default answer is an empty 502).
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, "rig: kubelet: "+err.Error(), http.StatusBadGateway)
		},
	}

	tunnels := &connListener{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &http.Server{
		Handler:           f,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		if err := srv.ServeTLS(tunnels, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			klog.Errorf("kubelet front: %v", err)
		}
	}()

	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		_ = ln.Close()
		_ = srv.Close()
	}()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				if ctx.Err() == nil {
					klog.Errorf("egress: %v", err)
				}
				return
			}
			go connect(conn, kubelet, tunnels)
		}
	}()
	return nil
}

// connect reads one CONNECT request; the kubelet's address gets 200 and the
// connection goes to the front, anything else 403.
func connect(conn net.Conn, kubelet string, tunnels *connListener) {
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		_ = conn.Close()
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	switch {
	case req.Method != http.MethodConnect:
		_, _ = io.WriteString(conn, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
	case req.Host != kubelet:
		// The reason phrase reaches the API server's error message.
		_, _ = fmt.Fprintf(conn, "HTTP/1.1 403 rig: only the kubelet (%s) is reachable, not %s\r\nContent-Length: 0\r\n\r\n", kubelet, sanitize(req.Host))
	case br.Buffered() > 0:
		// TLS waits for the 200: bytes before it are a confused client.
		_, _ = io.WriteString(conn, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
	default:
		if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err == nil && tunnels.push(conn) {
			return
		}
	}
	_ = conn.Close()
}

func (f *kubeletFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/containerLogs/") {
		if err := f.logStatus(r); err != nil {
			// What the kubelet answers, and how (it reads the container's
			// status before it opens a log).
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.URL.Query().Get("follow") == "true" {
			f.follow(w, r)
			return
		}
	}
	f.proxy.ServeHTTP(w, r)
}

// logStatus is the kubelet's answer when the container's status says there
// is no log to read (a waiting container; --previous without a terminated
// previous container). KWOK would name a missing file instead.
func (f *kubeletFront) logStatus(r *http.Request) error {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
	if len(parts) != 3 {
		return nil
	}
	ns, name, container := parts[0], parts[1], parts[2]
	pod, err := f.pods.Pods(ns).Get(name)
	if err != nil {
		return nil // not in the cache yet: KWOK answers
	}
	i := slices.IndexFunc(slices.Concat(pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses),
		func(s corev1.ContainerStatus) bool { return s.Name == container })
	if i < 0 {
		return fmt.Errorf("container %q in pod %q is not available", container, name)
	}
	s := slices.Concat(pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses)[i]
	last := s.LastTerminationState.Terminated
	switch {
	case r.URL.Query().Get("previous") == "true":
		if last == nil || last.ContainerID == "" {
			return fmt.Errorf("previous terminated container %q in pod %q not found", container, name)
		}
	case s.State.Running != nil, s.State.Terminated != nil, last != nil:
	case s.State.Waiting != nil:
		switch reason := s.State.Waiting.Reason; reason {
		case "ErrImagePull":
			return fmt.Errorf("container %q in pod %q is waiting to start: image can't be pulled", container, name)
		case "ImagePullBackOff":
			return fmt.Errorf("container %q in pod %q is waiting to start: trying and failing to pull image", container, name)
		default:
			return fmt.Errorf("container %q in pod %q is waiting to start: %v", container, name, reason)
		}
	default:
		return fmt.Errorf("container %q in pod %q is waiting to start - no logs yet", container, name)
	}
	return nil
}

// follow passes a followed log request on to KWOK and copies the stream back
// until the client goes, KWOK ends it, or the container stops (streams.end).
func (f *kubeletFront) follow(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
	if len(parts) != 3 {
		f.proxy.ServeHTTP(w, r)
		return
	}
	ns, name, container := parts[0], parts[1], parts[2]
	if !f.running(ns, name, container) {
		// As the kubelet: a stopped container's log is read to its end.
		q := r.URL.Query()
		q.Del("follow")
		r.URL.RawQuery = q.Encode()
		f.proxy.ServeHTTP(w, r)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer f.streams.add(ns+"/"+name+"/"+container, cancel)()

	out := r.Clone(ctx)
	out.URL.Scheme, out.URL.Host, out.Host, out.RequestURI = "https", f.kubelet, f.kubelet, ""
	resp, err := f.transport.RoundTrip(out)
	if err != nil {
		http.Error(w, "rig: kubelet: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive":
			continue
		}
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	buf := make([]byte, 32*1024)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			// KWOK ended, or the container stopped (ctx): returning ends
			// the response cleanly.
			return
		}
	}
}

// running: the container's status says running (an unknown pod or
// container counts as running: KWOK answers for it).
func (f *kubeletFront) running(ns, name, container string) bool {
	pod, err := f.pods.Pods(ns).Get(name)
	if err != nil {
		return true
	}
	for _, s := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		if s.Name == container {
			return s.State.Running != nil
		}
	}
	return true
}

// connListener hands the accepted tunnels to an http.Server.
type connListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *connListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *connListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *connListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *connListener) Addr() net.Addr { return &net.UnixAddr{Name: "cluster-egress", Net: "unix"} }

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
