// pod-logs gives the rig's pods what a kubelet would give them: a log per
// container that `kubectl logs` (and -f, --previous, -c, --tail) can read
// through the API server.
//
// KWOK serves the kubelet API (/containerLogs/NS/POD/CONTAINER) on its
// --server-address, from the files that a kwok.x-k8s.io/v1alpha1 Logs object
// names for the pod. KWOK itself writes no log file, and a Logs file path has
// no per-pod template (a ClusterLogs names one file for every pod it matches),
// so this program:
//
//   - writes, for every container (init containers too), the file
//     <dir>/<ns>_<pod>_<uid>/<container>/current.log, in the CRI log format
//     that KWOK's reader (k8s.io/cri-client/pkg/logs) parses, with lines
//     shaped like the real component's (hub, proxy, singleuser server);
//   - keeps one Logs object per pod (same namespace and name, owned by the
//     pod, so the garbage collector removes it with the pod) that points KWOK
//     at current.log and previous.log;
//   - when a container's restartCount rises (the rig's crash-loop stage),
//     moves current.log to previous.log and starts a new current.log, so
//     `kubectl logs --previous` shows the run that died;
//   - when a pod is being deleted, appends shutdown lines; when it is gone,
//     removes the pod's directory a minute later.
//
// It is also the API server's only way out to "the cluster" (kubelet.go): a
// CONNECT proxy that reaches KWOK's server and nothing else, and ends
// followed log streams when their container stops, which KWOK cannot know.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"jhubcockpit.local/rig/lbcontroller/rigctl"
)

var logsGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}

// How long a gone pod's directory stays.
const keepGone = time.Minute

type controller struct {
	dyn     dynamic.Interface
	pods    corelisters.PodLister
	queue   workqueue.TypedRateLimitingInterface[string]
	dir     string
	mu      sync.Mutex
	dirs    map[string]string // pod key -> its directory (the pod's uid is in the name)
	written map[string]string // pod key -> the Logs spec last written (uid + containers)
	streams *streams          // followed log streams (kubelet.go)
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "path to the kubeconfig")
	dir := flag.String("dir", "", "where the pod log files live (required)")
	egress := flag.String("egress-socket", "", "serve the API server's cluster egress (HTTP CONNECT) on this unix socket; empty disables")
	kubelet := flag.String("kubelet-address", "", "the one destination (loopback host:port, KWOK's server) the egress lets through")
	certFile := flag.String("tls-cert-file", "", "the kubelet serving certificate (KWOK's), shown to the API server")
	keyFile := flag.String("tls-private-key-file", "", "its key")
	caFile := flag.String("kubelet-ca-file", "", "the CA that KWOK's serving certificate is checked against")
	healthz := flag.String("healthz-address", "", "serve /healthz on this loopback address (host:port) once the caches are synced; empty disables")
	klog.InitFlags(nil)
	flag.Parse()

	if *dir == "" {
		klog.Fatal("--dir is required")
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		klog.Fatalf("--dir: %v", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	cfg.UserAgent = "jhub-cockpit-rig-pod-logs"
	cfg.QPS, cfg.Burst = 100, 200
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	factory := informers.NewSharedInformerFactory(client, 0)
	c := &controller{
		dyn:     dynamic.NewForConfigOrDie(cfg),
		pods:    factory.Core().V1().Pods().Lister(),
		queue:   rigctl.NewQueue("pods"),
		dir:     abs,
		dirs:    map[string]string{},
		written: map[string]string{},
		streams: &streams{},
	}
	inf := factory.Core().V1().Pods().Informer()
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			c.queue.Add(key)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		klog.Fatal("informer caches did not sync")
	}
	if err := c.adopt(); err != nil {
		klog.Fatalf("%s: %v", abs, err)
	}
	if *egress != "" {
		if err := serveEgress(ctx, *egress, *kubelet, *certFile, *keyFile, *caFile, c.pods, c.streams); err != nil {
			klog.Fatalf("--egress-socket: %v", err)
		}
	}
	if *healthz != "" {
		if err := rigctl.ServeHealthz(*healthz); err != nil {
			klog.Fatalf("--healthz-address: %v", err)
		}
	}
	klog.Infof("pod-logs ready: files in %s", abs)
	for range 4 {
		go rigctl.Work(ctx, c.queue, c.sync)
	}
	<-ctx.Done()
	c.queue.ShutDown()
}

// adopt takes over the directories of pods that still exist (the files and
// restart counts of a previous run) and removes the others.
func (c *controller) adopt() error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	live := map[string]string{}
	for _, p := range pods {
		live[podDirName(p)] = p.Namespace + "/" + p.Name
	}
	for _, e := range entries {
		if key, ok := live[e.Name()]; ok {
			c.dirs[key] = filepath.Join(c.dir, e.Name())
		} else if e.IsDir() {
			_ = os.RemoveAll(filepath.Join(c.dir, e.Name()))
		}
	}
	return nil
}

func podDirName(p *corev1.Pod) string { return p.Namespace + "_" + p.Name + "_" + string(p.UID) }

func (c *controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.gone(key)
		return c.deleteLogs(ctx, ns, name)
	}
	if err != nil {
		return err
	}
	dir := filepath.Join(c.dir, podDirName(pod))
	c.mu.Lock()
	old := c.dirs[key]
	c.dirs[key] = dir
	c.mu.Unlock()
	if old != "" && old != dir {
		retire(old) // a pod of the same name that was replaced
	}

	restarts := map[string]int32{}
	for _, s := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		restarts[s.Name] = s.RestartCount
	}
	var names []string
	for _, ct := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
		names = append(names, ct.Name)
		if err := c.ensureFiles(pod, ct, filepath.Join(dir, ct.Name), restarts[ct.Name]); err != nil {
			return err
		}
	}
	return c.ensureLogs(ctx, pod, dir, names)
}

// ensureFiles makes the container's current.log (and previous.log once it has
// restarted), rotates them when the restart count rose, and appends the
// shutdown lines once the pod is being deleted.
func (c *controller) ensureFiles(pod *corev1.Pod, ct corev1.Container, cdir string, restarts int32) error {
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return err
	}
	current := filepath.Join(cdir, "current.log")
	previous := filepath.Join(cdir, "previous.log")
	countFile := filepath.Join(cdir, ".restarts")
	seen := int32(-1)
	if b, err := os.ReadFile(countFile); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			seen = int32(n)
		}
	}
	switch {
	case seen < 0:
		// First sight. A container that has already restarted gets a
		// previous run too.
		if restarts > 0 {
			if err := writeFile(previous, runLines(pod, ct, time.Now().Add(-15*time.Second))); err != nil {
				return err
			}
		}
		if err := writeFile(current, runLines(pod, ct, time.Now())); err != nil {
			return err
		}
	case restarts > seen:
		// A restart: the run that ended is the previous container's log.
		// Its followers end first, as on a node, where the stream ends with
		// the container.
		c.streams.end(pod.Namespace + "/" + pod.Name + "/" + ct.Name)
		if err := os.Rename(current, previous); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := writeFile(current, runLines(pod, ct, time.Now())); err != nil {
			return err
		}
	}
	if restarts != seen {
		if err := writeFile(countFile, []byte(strconv.Itoa(int(restarts))+"\n")); err != nil {
			return err
		}
	}
	stopped := filepath.Join(cdir, ".stopped")
	if pod.DeletionTimestamp != nil {
		if _, err := os.Stat(stopped); errors.Is(err, os.ErrNotExist) {
			if err := appendFile(current, stopLines(pod, ct, time.Now())); err != nil {
				return err
			}
			if err := writeFile(stopped, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// ensureLogs creates or updates the pod's Logs object when its containers
// (or the pod behind the name) changed since it was last written.
func (c *controller) ensureLogs(ctx context.Context, pod *corev1.Pod, dir string, names []string) error {
	key := pod.Namespace + "/" + pod.Name
	want := string(pod.UID) + "|" + strings.Join(names, ",")
	c.mu.Lock()
	done := c.written[key] == want
	c.mu.Unlock()
	if done {
		return nil
	}
	var entries []any
	for _, n := range names {
		entries = append(entries, map[string]any{
			"containers":       []any{n},
			"logsFile":         filepath.Join(dir, n, "current.log"),
			"previousLogsFile": filepath.Join(dir, n, "previous.log"),
		})
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Logs",
		"metadata": map[string]any{
			"name":      pod.Name,
			"namespace": pod.Namespace,
			"labels":    map[string]any{"rig.jhub-cockpit/pod-logs": "true"},
			"ownerReferences": []any{map[string]any{
				"apiVersion": "v1", "kind": "Pod", "name": pod.Name, "uid": string(pod.UID),
			}},
		},
		"spec": map[string]any{"logs": entries},
	}}
	res := c.dyn.Resource(logsGVR).Namespace(pod.Namespace)
	_, err := res.Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		cur, gerr := res.Get(ctx, pod.Name, metav1.GetOptions{})
		if gerr != nil {
			return gerr
		}
		if equality.Semantic.DeepEqual(cur.Object["spec"], obj.Object["spec"]) &&
			equality.Semantic.DeepEqual(cur.GetOwnerReferences(), obj.GetOwnerReferences()) {
			err = nil
		} else {
			obj.SetResourceVersion(cur.GetResourceVersion())
			_, err = res.Update(ctx, obj, metav1.UpdateOptions{})
		}
	}
	if err != nil && (pod.DeletionTimestamp != nil || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause)) {
		return nil // the pod or its namespace is going away
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.written[key] = want
	c.mu.Unlock()
	return nil
}

func (c *controller) deleteLogs(ctx context.Context, ns, name string) error {
	c.mu.Lock()
	delete(c.written, ns+"/"+name)
	c.mu.Unlock()
	err := c.dyn.Resource(logsGVR).Namespace(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// gone: the pod no longer exists. Its followers are ended and its files go
// a minute later.
func (c *controller) gone(key string) {
	c.mu.Lock()
	dir := c.dirs[key]
	delete(c.dirs, key)
	c.mu.Unlock()
	// The followers get the shutdown lines (written when the deletion
	// began), then their stream ends.
	time.AfterFunc(500*time.Millisecond, func() { c.streams.end(key + "/") })
	if dir != "" {
		retire(dir)
	}
}

// retire removes a gone pod's directory after keepGone, once its followers
// have ended.
func retire(dir string) {
	time.AfterFunc(keepGone, func() { _ = os.RemoveAll(dir) })
}

// ---- log files ---------------------------------------------------------------

// criLine is one line of the CRI log format (what containerd writes and the
// kubelet reads): RFC 3339 time with nanoseconds, stream, tag (F: full line).
func criLine(t time.Time, stream, msg string) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") + " " + stream + " F " + msg + "\n"
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func appendFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func crashLooping(pod *corev1.Pod) bool { return pod.Labels["rig.jhub-cockpit/fail"] == "crash-loop" }

// role is what the container is, from the z2jh labels and the container name.
func role(pod *corev1.Pod, ct corev1.Container) string {
	switch comp := pod.Labels["component"]; {
	case comp == "hub" && ct.Name == "hub":
		return "hub"
	case comp == "proxy" && ct.Name == "chp":
		return "proxy"
	case comp == "singleuser-server" && ct.Name == "notebook":
		return "singleuser"
	}
	return "generic"
}

// lines renders msgs at t, t+1ms, ... in the CRI format.
func lines(t time.Time, stream string, msgs ...string) []byte {
	var b strings.Builder
	for i, m := range msgs {
		b.WriteString(criLine(t.Add(time.Duration(i)*time.Millisecond), stream, m))
	}
	return []byte(b.String())
}

// jh formats a line as JupyterHub's and Jupyter Server's log formatter
// (traitlets/tornado) does: [I 2026-12-05 10:00:00.000 JupyterHub app:3300]
// message; Jupyter Server leaves out the source ("[I ... ServerApp] ...").
func jh(t time.Time, i int, level, logger, src, msg string) string {
	t = t.UTC().Add(time.Duration(i) * time.Millisecond)
	if src != "" {
		logger += " " + src
	}
	return fmt.Sprintf("[%s %s %s] %s", level, t.Format("2006-01-02 15:04:05.000"), logger, msg)
}

// runLines is what one run of the container writes: its start, and for a
// crash-looping pod the error it dies of.
func runLines(pod *corev1.Pod, ct corev1.Container, t time.Time) []byte {
	var m []string
	add := func(level, logger, src, msg string) { m = append(m, jh(t, len(m), level, logger, src, msg)) }
	switch role(pod, ct) {
	case "hub":
		add("I", "JupyterHub", "app:3300", "Running JupyterHub version 5.3.0")
		add("I", "JupyterHub", "app:3330", "Using Authenticator: jupyterhub.auth.DummyAuthenticator-5.3.0")
		add("I", "JupyterHub", "app:3330", "Using Spawner: kubespawner.spawner.KubeSpawner-7.0.0")
		add("I", "JupyterHub", "app:3330", "Using Proxy: jupyterhub.proxy.ConfigurableHTTPProxy-5.3.0")
		if crashLooping(pod) {
			add("E", "JupyterHub", "app:3852", "Failed to connect to db: sqlite:///jupyterhub.sqlite")
			add("C", "JupyterHub", "app:3853", "Failed to start JupyterHub: (sqlite3.OperationalError) unable to open database file")
			m = append(m, "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open database file")
			return lines(t, "stderr", m...)
		}
		add("I", "JupyterHub", "app:3050", "Initialized 0 spawners in 0.002 seconds")
		add("I", "JupyterHub", "app:3260", "Not starting proxy")
		add("I", "JupyterHub", "proxy:477", "Adding route for Hub: / => http://hub:8081")
		add("I", "JupyterHub", "app:3615", "JupyterHub is now running, internal Hub API at http://hub:8081/hub/")
		return lines(t, "stderr", m...)
	case "proxy":
		chp := func(msg string) {
			m = append(m, t.UTC().Add(time.Duration(len(m))*time.Millisecond).Format("15:04:05.000")+" [ConfigProxy] "+msg)
		}
		chp("info: Proxying http://:::8000 to (no default)")
		chp("info: Proxy API at http://:::8001/api/routes")
		if crashLooping(pod) {
			chp("error: Uncaught Exception: listen EADDRINUSE: address already in use :::8000")
			return lines(t, "stdout", m...)
		}
		chp("info: 200 GET /api/routes")
		chp("info: Adding route / -> http://hub:8081")
		chp("info: Route added / -> http://hub:8081")
		chp("info: 201 POST /api/routes/")
		return lines(t, "stdout", m...)
	case "singleuser":
		user := pod.Labels["hub.jupyter.org/username"]
		add("I", "ServerApp", "", "Extension package jupyterlab took 0.1810s to import")
		add("I", "ServerApp", "", "jupyterhub | extension was successfully linked.")
		add("I", "ServerApp", "", "Serving notebooks from local directory: /home/jovyan")
		if crashLooping(pod) {
			add("C", "ServerApp", "", "Running as root is not recommended. Use --allow-root to bypass.")
			return lines(t, "stderr", m...)
		}
		add("I", "ServerApp", "", "Jupyter Server 2.14.2 is running at:")
		add("I", "ServerApp", "", fmt.Sprintf("http://%s:8888/user/%s/lab", pod.Name, user))
		add("I", "JupyterHubSingleUser", "", "Updating Hub with activity every 300 seconds")
		return lines(t, "stderr", m...)
	}
	m = append(m, fmt.Sprintf("rig: container %s of pod %s/%s started (image %s)", ct.Name, pod.Namespace, pod.Name, ct.Image))
	if crashLooping(pod) {
		m = append(m, fmt.Sprintf("rig: container %s exited with code 1", ct.Name))
	}
	return lines(t, "stdout", m...)
}

// stopLines is what the container writes on SIGTERM.
func stopLines(pod *corev1.Pod, ct corev1.Container, t time.Time) []byte {
	switch role(pod, ct) {
	case "hub":
		return lines(t, "stderr",
			jh(t, 0, "I", "JupyterHub", "app:3529", "Received signal SIGTERM, initiating shutdown..."),
			jh(t, 1, "I", "JupyterHub", "app:3157", "Cleaning up single-user servers..."),
			jh(t, 2, "I", "JupyterHub", "app:3198", "...done"))
	case "proxy":
		return lines(t, "stdout", t.UTC().Format("15:04:05.000")+" [ConfigProxy] warn: Terminated")
	case "singleuser":
		return lines(t, "stderr", jh(t, 0, "I", "ServerApp", "", "received signal 15, stopping"), jh(t, 1, "I", "ServerApp", "", "Shutting down 0 kernels"))
	}
	return lines(t, "stdout", fmt.Sprintf("rig: container %s received SIGTERM, exiting", ct.Name))
}
