// kubelet-images gives the rig's KWOK nodes what a kubelet's image manager
// reports and KWOK does not: the image pulls of their pods. KWOK's stages
// can emit events, but only with a fixed message, so without this a rig pod
// has no Pulling or Pulled event naming its image, and no node lists the
// images it holds. The cockpit reads both after an upgrade to tell which
// nodes have the new image.
//
// It watches the pods bound to nodes that KWOK manages (annotation
// kwok.x-k8s.io/node=fake) and, as k8s.io/kubernetes v1.36.3's
// pkg/kubelet/images/image_manager.go (EnsureImageExists) does for each
// init container, then each container:
//
//   - when KWOK's pod-create stage makes the pod ContainerCreating (or
//     PodInitializing), records `Pulling image "IMAGE"` for an image the
//     node does not have (imagePullPolicy IfNotPresent) or for every image
//     (Always), or ErrImageNeverPull (Never, image absent);
//   - when its pod-ready stage makes the pod Running (or the crash-loop
//     stage makes its containers run and die), records `Successfully pulled
//     image ...` with the time since Pulling, or `Container image ...
//     already present on machine and can be accessed by the pod`; the
//     image then joins the node's status.images;
//   - for a pod labelled rig.jhub-cockpit/fail=image-pull, whose containers
//     KWOK puts in ErrImagePull, records Pulling and then the kubelet's
//     Warning `Failed to pull image ...` (never Pulled), beside the stage's
//     own "Error: ErrImagePull";
//   - when a container restarts (the crash-loop stage), records "already
//     present" again, as the kubelet does before each new run.
//
// Events are written by client-go's tools/record, the kubelet's own event
// recorder, with one broadcaster per node and the kubelet's source
// (component kubelet, host the node), so their shape (involvedObject with
// the container's fieldPath, timestamps, count, name, and the merging of
// repeats) is the kubelet's. A node's status.images is written as the
// kubelet's status setter writes it (digest name first, then tag, largest
// images first, at most 50); the patch also renews the node's heartbeat,
// as every kubelet status update does, because KWOK postpones its own
// heartbeat stage each time a node changes.
//
// Not imitated: image garbage collection, pull credentials (every image is
// treated as pulled with the node's own, so any pod may use it), the serial
// puller's queue (a pod's pulls run side by side: each Pulled reports the
// same pull and total time) and back-off retries (KWOK's stage reports
// ImagePullBackOff).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/tools/reference"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"jhubcockpit.local/rig/lbcontroller/rigctl"
)

const (
	// The annotation by which dev/cluster's KWOK picks its nodes
	// (manageNodesWithAnnotationSelector).
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	failLabel          = "rig.jhub-cockpit/fail"
	// The kubelet's --node-status-max-images default.
	maxNodeImages = 50
	// Pulls that end together (a pod's containers, or an image puller's
	// many images) reach the node in one status write.
	statusDelay = 300 * time.Millisecond
)

// nodeRecorder is one node's kubelet event recorder and its broadcaster.
type nodeRecorder struct {
	b record.EventBroadcaster
	r record.EventRecorder
}

// What a container's image step does.
type action int

const (
	actPull    action = iota // Pulling now, Pulled when the pod starts
	actPresent               // "already present" when the pod starts
	actFail                  // Pulling now, Failed when the pod's pull fails
	actNever                 // ErrImageNeverPull now, nothing after
)

// step is one container's EnsureImageExists.
type step struct {
	container string
	init      bool
	image     string // as the pod spec writes it
	policy    corev1.PullPolicy
	act       action
	since     time.Time // when Pulling was recorded
}

// podPulls is a pod whose image steps began (at pod-create) and have not
// ended (pod started, or its pull failed).
type podPulls struct {
	node  string
	steps []step
}

type controller struct {
	client kubernetes.Interface
	events typedcorev1.EventInterface
	pods   corelisters.PodLister
	nodes  corelisters.NodeLister
	podQ   workqueue.TypedRateLimitingInterface[string]
	nodeQ  workqueue.TypedRateLimitingInterface[string]
	ctx    context.Context

	mu        sync.Mutex
	recorders map[string]nodeRecorder // node -> its "kubelet"
	uids      map[string]types.UID    // pod key -> the uid last seen behind it
	pulling   map[types.UID]*podPulls
	done      map[types.UID]map[string]int32 // pods whose steps ended -> container restart counts seen
	initial   map[types.UID]bool             // pods of the first list: they may have begun before this process
	// node -> lookup name -> image: what this process pulled onto the node.
	// The node's status lists them too, but only the 50 largest.
	pulled map[string]map[string]imageRef
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "path to the kubeconfig")
	healthz := flag.String("healthz-address", "", "serve /healthz on this loopback address (host:port) or unix socket (an absolute path) once the caches are synced; empty disables")
	klog.InitFlags(nil)
	flag.Parse()

	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	cfg.UserAgent = "jhub-cockpit-rig-kubelet-images"
	cfg.QPS, cfg.Burst = 100, 200
	client := kubernetes.NewForConfigOrDie(cfg)
	// Events go through a client of their own, as the kubelet's do
	// (--event-qps 50, --event-burst 100 per node); this one speaks for
	// every node of the rig, so it may send more.
	ecfg := *cfg
	ecfg.QPS, ecfg.Burst = 500, 1000
	eventClient := kubernetes.NewForConfigOrDie(&ecfg)

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	factory := informers.NewSharedInformerFactory(client, 0)
	c := &controller{
		client:    client,
		events:    eventClient.CoreV1().Events(""),
		pods:      factory.Core().V1().Pods().Lister(),
		nodes:     factory.Core().V1().Nodes().Lister(),
		podQ:      rigctl.NewQueue("pods"),
		nodeQ:     rigctl.NewQueue("nodes"),
		ctx:       ctx,
		recorders: map[string]nodeRecorder{},
		uids:      map[string]types.UID{},
		pulling:   map[types.UID]*podPulls{},
		done:      map[types.UID]map[string]int32{},
		initial:   map[types.UID]bool{},
		pulled:    map[string]map[string]imageRef{},
	}
	podInf := factory.Core().V1().Pods().Informer()
	nodeInf := factory.Core().V1().Nodes().Informer()
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			c.podQ.Add(key)
		}
	}
	_, _ = podInf.AddEventHandler(cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(obj any, initial bool) {
			if p, ok := obj.(*corev1.Pod); ok && initial {
				c.mu.Lock()
				c.initial[p.UID] = true
				c.mu.Unlock()
			}
			enqueue(obj)
		},
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	})
	_, _ = nodeInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				// A node made again under that name starts empty; its
				// kubelet's recorder goes with it (tests make and delete
				// nodes of their own).
				c.mu.Lock()
				delete(c.pulled, key)
				nr, ok := c.recorders[key]
				delete(c.recorders, key)
				c.mu.Unlock()
				if ok {
					nr.b.Shutdown()
				}
			}
		},
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), podInf.HasSynced, nodeInf.HasSynced) {
		klog.Fatal("informer caches did not sync")
	}
	if *healthz != "" {
		if err := rigctl.ServeHealthz(*healthz); err != nil {
			klog.Fatalf("--healthz-address: %v", err)
		}
	}
	klog.Infof("kubelet-images ready")
	for range 4 {
		go rigctl.Work(ctx, c.podQ, c.syncPod)
	}
	go rigctl.Work(ctx, c.nodeQ, c.syncNode)
	<-ctx.Done()
	c.podQ.ShutDown()
	c.nodeQ.ShutDown()
}

// recorder is the node's kubelet event recorder: as cmd/kubelet/app/
// server.go's makeEventRecorder makes it, source {kubelet, node}.
func (c *controller) recorder(node string) record.EventRecorder {
	c.mu.Lock()
	defer c.mu.Unlock()
	if nr, ok := c.recorders[node]; ok {
		return nr.r
	}
	b := record.NewBroadcaster(record.WithContext(c.ctx))
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.events})
	r := b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: node})
	c.recorders[node] = nodeRecorder{b: b, r: r}
	return r
}

// containerRef is kubecontainer.GenerateContainerRef (pkg/kubelet/
// container/ref.go): the pod's reference with the container's fieldPath.
func containerRef(pod *corev1.Pod, s step) (*corev1.ObjectReference, error) {
	return reference.GetPartialReference(scheme.Scheme, pod, fieldPath(s))
}

func (c *controller) record(pod *corev1.Pod, node string, s step, eventType, reason, msg string) {
	ref, err := containerRef(pod, s)
	if err != nil {
		klog.Errorf("pod %s/%s: %v", pod.Namespace, pod.Name, err)
		return
	}
	c.recorder(node).Event(ref, eventType, reason, msg)
}

// The pod states KWOK's stages move a pod through (dev/rig/stages).
func pullFailed(pod *corev1.Pod) bool {
	for _, s := range pod.Status.ContainerStatuses {
		if w := s.State.Waiting; w != nil && (w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff") {
			return true
		}
	}
	return false
}

func started(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed:
		return true
	}
	return false
}

// creating: pod-create gave it an IP and left its containers waiting.
func creating(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodPending && pod.Status.PodIP != ""
}

func (c *controller) syncPod(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.mu.Lock()
		c.forget(c.uids[key])
		delete(c.uids, key)
		c.mu.Unlock()
		return nil
	}
	if err != nil {
		return err
	}
	c.mu.Lock()
	if old := c.uids[key]; old != "" && old != pod.UID {
		c.forget(old) // a new pod under the old one's name
	}
	c.uids[key] = pod.UID
	c.mu.Unlock()
	if pod.Spec.NodeName == "" {
		return nil
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if apierrors.IsNotFound(err) {
		// A node made just before its pod may not be in the cache yet:
		// look again in a second. A node deleted under its pods (which
		// the pod garbage collector removes soon) is looked for until then.
		if pod.DeletionTimestamp == nil {
			c.podQ.AddAfter(key, time.Second)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if node.Annotations[kwokNodeAnnotation] != "fake" {
		return nil // a node that KWOK does not run
	}
	switch {
	case pod.DeletionTimestamp != nil:
		// A pod stopped before it started: its pulls are abandoned.
		c.mu.Lock()
		delete(c.pulling, pod.UID)
		c.mu.Unlock()
	case pullFailed(pod):
		c.end(pod, node.Name, true)
	case started(pod):
		c.end(pod, node.Name, false)
		c.restarts(pod, node.Name)
	case creating(pod):
		return c.begin(ctx, pod, node)
	}
	return nil
}

// forget drops what is known of a pod that is gone; c.mu is held.
func (c *controller) forget(uid types.UID) {
	delete(c.pulling, uid)
	delete(c.done, uid)
	delete(c.initial, uid)
}

// has tells whether the node holds the image: in its status (images made
// by whoever wrote it) or pulled by this process.
func (c *controller) has(node *corev1.Node, r imageRef) bool {
	want := r.lookupName()
	c.mu.Lock()
	_, ok := c.pulled[node.Name][want]
	c.mu.Unlock()
	if ok {
		return true
	}
	for _, img := range node.Status.Images {
		if slices.Contains(img.Names, want) {
			return true
		}
	}
	return false
}

// begin is the start of the pod's containers: EnsureImageExists for each,
// in the kubelet's order (init containers, then containers).
func (c *controller) begin(ctx context.Context, pod *corev1.Pod, node *corev1.Node) error {
	c.mu.Lock()
	_, busy := c.pulling[pod.UID]
	_, ended := c.done[pod.UID]
	adopted := c.initial[pod.UID]
	delete(c.initial, pod.UID)
	c.mu.Unlock()
	if busy || ended {
		return nil
	}
	// A pod that was already creating when this process started may have
	// had its Pulling events from the process before: take their times
	// instead of recording them again.
	var before map[string]time.Time
	if adopted {
		var err error
		if before, err = c.earlierPulls(ctx, pod); err != nil {
			c.mu.Lock()
			c.initial[pod.UID] = true
			c.mu.Unlock()
			return err
		}
	}
	failing := pod.Labels[failLabel] == "image-pull"
	p := &podPulls{node: node.Name}
	inPod := map[string]bool{} // pulled by an earlier container of this pod
	now := time.Now()
	add := func(ct *corev1.Container, init bool) {
		s := step{container: ct.Name, init: init, image: ct.Image, policy: pullPolicy(ct)}
		r := parseRef(ct.Image)
		present := c.has(node, r) || inPod[r.lookupName()]
		switch {
		case failing && !init:
			// The label says the registry does not have it.
			s.act = actFail
		case s.policy == corev1.PullAlways:
			s.act = actPull
		case present:
			s.act = actPresent
		case s.policy == corev1.PullNever:
			s.act = actNever
		default:
			s.act = actPull
		}
		if s.act == actPull {
			inPod[r.lookupName()] = true
		}
		s.since = now
		if t, ok := before[fieldPath(s)]; ok {
			s.since = t
		} else {
			switch s.act {
			case actPull, actFail:
				c.record(pod, node.Name, s, corev1.EventTypeNormal, reasonPulling, pullingMessage(s.image))
			case actNever:
				c.record(pod, node.Name, s, corev1.EventTypeWarning, reasonNeverPull, neverPullMessage(s.image))
			}
		}
		p.steps = append(p.steps, s)
	}
	for i := range pod.Spec.InitContainers {
		add(&pod.Spec.InitContainers[i], true)
	}
	for i := range pod.Spec.Containers {
		add(&pod.Spec.Containers[i], false)
	}
	c.mu.Lock()
	c.pulling[pod.UID] = p
	c.mu.Unlock()
	return nil
}

func fieldPath(s step) string {
	if s.init {
		return "spec.initContainers{" + s.container + "}"
	}
	return "spec.containers{" + s.container + "}"
}

// earlierPulls: fieldPath -> when the kubelet's Pulling event for it was
// first recorded.
func (c *controller) earlierPulls(ctx context.Context, pod *corev1.Pod) (map[string]time.Time, error) {
	sel := fields.Set{"involvedObject.uid": string(pod.UID), "reason": reasonPulling, "source": "kubelet"}
	list, err := c.client.CoreV1().Events(pod.Namespace).List(ctx, metav1.ListOptions{FieldSelector: sel.AsSelector().String()})
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, e := range list.Items {
		out[e.InvolvedObject.FieldPath] = recordedAt(&e)
	}
	return out, nil
}

// recordedAt is when the recorder made the event: its name ends in that
// time in hex nanoseconds (client-go's util.GenerateEventName), finer than
// firstTimestamp's whole seconds.
func recordedAt(e *corev1.Event) time.Time {
	i := strings.LastIndexByte(e.Name, '.')
	if ns, err := strconv.ParseInt(e.Name[i+1:], 16, 64); err == nil {
		if t := time.Unix(0, ns); t.Sub(e.FirstTimestamp.Time).Abs() < 2*time.Second {
			return t
		}
	}
	return e.FirstTimestamp.Time
}

// end is the pod's containers having started (or, failed, its pull having
// failed): what each step's EnsureImageExists returned.
func (c *controller) end(pod *corev1.Pod, node string, failed bool) {
	c.mu.Lock()
	p := c.pulling[pod.UID]
	delete(c.pulling, pod.UID)
	_, ended := c.done[pod.UID]
	if !ended {
		c.done[pod.UID] = restartCounts(pod)
	}
	delete(c.initial, pod.UID)
	c.mu.Unlock()
	if ended || p == nil {
		return // reported already, or began before this process could see it
	}
	now := time.Now()
	var pulled []string
	for _, s := range p.steps {
		r := parseRef(s.image)
		switch {
		case failed && !s.init && (s.act == actPull || s.act == actFail):
			c.record(pod, node, s, corev1.EventTypeWarning, reasonFailed, failedMessage(s.image))
		case s.act == actFail:
			// Not failed yet, and never will be: the pod started anyway.
		case s.act == actPull:
			took := now.Sub(s.since)
			c.record(pod, node, s, corev1.EventTypeNormal, reasonPulled, pulledMessage(s.image, took, took, r.sizeBytes()))
			c.mu.Lock()
			if c.pulled[node] == nil {
				c.pulled[node] = map[string]imageRef{}
			}
			c.pulled[node][r.lookupName()] = r
			c.mu.Unlock()
			pulled = append(pulled, s.image+" in "+took.Truncate(time.Millisecond).String())
		case s.act == actPresent:
			c.record(pod, node, s, corev1.EventTypeNormal, reasonPulled, presentMessage(s.image))
		}
	}
	if len(pulled) > 0 {
		klog.Infof("pod %s/%s on %s pulled %s", pod.Namespace, pod.Name, node, strings.Join(pulled, ", "))
		c.nodeQ.AddAfter(node, statusDelay)
	}
	if failed {
		klog.Infof("pod %s/%s on %s: image pull failed", pod.Namespace, pod.Name, node)
	}
}

func restartCounts(pod *corev1.Pod) map[string]int32 {
	out := map[string]int32{}
	for _, s := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
		out[s.Name] = s.RestartCount
	}
	return out
}

// restarts: a container started again (KWOK's crash-loop stage raised its
// restartCount) went through EnsureImageExists again; its image is on the
// node. With Always the kubelet would pull again: not imitated.
func (c *controller) restarts(pod *corev1.Pod, node string) {
	c.mu.Lock()
	seen, ok := c.done[pod.UID]
	var again []string
	if ok {
		for name, n := range restartCounts(pod) {
			if n > seen[name] {
				again = append(again, name)
				seen[name] = n
			}
		}
	}
	c.mu.Unlock()
	for _, name := range again {
		for i, ct := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
			if ct.Name != name || pullPolicy(&ct) == corev1.PullAlways {
				continue
			}
			s := step{container: ct.Name, init: i < len(pod.Spec.InitContainers), image: ct.Image}
			c.record(pod, node, s, corev1.EventTypeNormal, reasonPulled, presentMessage(ct.Image))
		}
	}
}

// syncNode writes the images this process pulled onto the node into its
// status.images, keeping the ones already listed, and renews its heartbeat
// as a kubelet's status update would.
func (c *controller) syncNode(ctx context.Context, name string) error {
	c.mu.Lock()
	mine := make([]imageRef, 0, len(c.pulled[name]))
	for _, r := range c.pulled[name] {
		mine = append(mine, r)
	}
	c.mu.Unlock()
	if len(mine) == 0 {
		return nil
	}
	node, err := c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	images, changed := mergeImages(node.Status.Images, mine)
	if !changed {
		return nil
	}
	status := map[string]any{"images": images}
	now := metav1.Now()
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
			// KWOK reschedules its heartbeat stage on every change of the
			// node: without this, pulls every few seconds would keep it
			// from ever running and the node would go NotReady.
			var beats []map[string]any
			for _, cd := range node.Status.Conditions {
				beats = append(beats, map[string]any{"type": cd.Type, "lastHeartbeatTime": now})
			}
			status["conditions"] = beats
		}
	}
	patch, err := json.Marshal(map[string]any{
		// A precondition: a node changed meanwhile is read again.
		"metadata": map[string]any{"resourceVersion": node.ResourceVersion},
		"status":   status,
	})
	if err != nil {
		return err
	}
	_, err = c.client.CoreV1().Nodes().Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// mergeImages adds the images not yet listed, ordered as the kubelet lists
// them (largest first; pkg/kubelet/util/sliceutils ByImageSize) and cut at
// its --node-status-max-images; changed says whether that differs from
// what is listed.
func mergeImages(listed []corev1.ContainerImage, mine []imageRef) ([]corev1.ContainerImage, bool) {
	out := slices.Clone(listed)
	for _, r := range mine {
		want := r.lookupName()
		if !slices.ContainsFunc(out, func(img corev1.ContainerImage) bool { return slices.Contains(img.Names, want) }) {
			out = append(out, r.nodeImage())
		}
	}
	slices.SortStableFunc(out, func(a, b corev1.ContainerImage) int {
		switch {
		case a.SizeBytes != b.SizeBytes:
			return cmpDesc(a.SizeBytes, b.SizeBytes)
		case len(a.Names) > 0 && len(b.Names) > 0:
			return strings.Compare(b.Names[0], a.Names[0])
		}
		return 0
	})
	if len(out) > maxNodeImages {
		out = out[:maxNodeImages]
	}
	changed := len(out) != len(listed)
	for i := 0; !changed && i < len(out); i++ {
		changed = !slices.Equal(out[i].Names, listed[i].Names) || out[i].SizeBytes != listed[i].SizeBytes
	}
	return out, changed
}

func cmpDesc(a, b int64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}
