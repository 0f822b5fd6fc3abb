// lb-controller stands in for the part of GKE's cloud controller that a bare
// control plane lacks: every Service of type LoadBalancer without an ingress
// gets, --delay after it was first seen (GKE takes about a minute),
// status.loadBalancer.ingress[0].ip = a free loopback address
// <--range-prefix>N, N in 1..254, unique among Services. Addresses of deleted
// Services (or of Services that stopped being LoadBalancers) are reused.
// Only loopback addresses are ever handed out, so a probe of the "public"
// URL can only reach this machine.
//
// KWOK is not needed for this: it is a few lines of client-go against the real
// API server. (Volumes for the default StorageClass come from KWOK stages,
// dev/rig/stages/volume.yaml.)
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	"jhubcockpit.local/rig/lbcontroller/rigctl"
)

type controller struct {
	client    kubernetes.Interface
	delay     time.Duration
	prefix    string
	svcLister corelisters.ServiceLister
	svcQueue  workqueue.TypedRateLimitingInterface[string]
	mu        sync.Mutex
	assigned  map[string]string    // service key -> ip written but maybe not yet seen by the informer
	firstSeen map[string]time.Time // service key -> when it was first seen without an address
}

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "path to the kubeconfig")
	delay := flag.Duration("delay", 5*time.Second, "how long a LoadBalancer Service waits for its ingress IP")
	prefix := flag.String("range-prefix", "127.0.1.", "addresses handed out are <prefix>1 .. <prefix>254; must be loopback")
	healthz := flag.String("healthz-address", "", "serve /healthz on this loopback address (host:port) once the caches are synced; empty disables")
	klog.InitFlags(nil)
	flag.Parse()

	if err := checkPrefix(*prefix); err != nil {
		klog.Fatalf("--range-prefix: %v", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.Fatalf("kubeconfig: %v", err)
	}
	cfg.UserAgent = "jhub-cockpit-rig-lb-controller"
	cfg.QPS, cfg.Burst = 50, 100
	client := kubernetes.NewForConfigOrDie(cfg)

	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	factory := informers.NewSharedInformerFactory(client, 0)
	c := &controller{
		client:    client,
		delay:     *delay,
		prefix:    *prefix,
		svcLister: factory.Core().V1().Services().Lister(),
		svcQueue:  rigctl.NewQueue("services"),
		assigned:  map[string]string{},
		firstSeen: map[string]time.Time{},
	}
	svcInformer := factory.Core().V1().Services().Informer()
	synced := []cache.InformerSynced{svcInformer.HasSynced}
	_, _ = svcInformer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.enqueueService(obj) },
		UpdateFunc: func(_, obj any) { c.enqueueService(obj) },
		DeleteFunc: func(obj any) { c.enqueueService(obj) },
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		klog.Fatal("informer caches did not sync")
	}
	if *healthz != "" {
		if err := rigctl.ServeHealthz(*healthz); err != nil {
			klog.Fatalf("--healthz-address: %v", err)
		}
	}
	klog.Infof("lb-controller ready: delay %s, range %s1-%s254", c.delay, c.prefix, c.prefix)

	// One worker: the address allocation is then trivially free of races
	// (two Services can never be handed the same address).
	go rigctl.Work(ctx, c.svcQueue, c.syncService)
	<-ctx.Done()
	c.svcQueue.ShutDown()
}

func checkPrefix(p string) error {
	if !strings.HasSuffix(p, ".") || strings.Count(p, ".") != 3 {
		return fmt.Errorf("%q is not of the form A.B.C.", p)
	}
	for _, n := range []string{"1", "254"} {
		ip := net.ParseIP(p + n)
		if ip == nil {
			return fmt.Errorf("%q does not make IPv4 addresses", p)
		}
		if !ip.IsLoopback() {
			return fmt.Errorf("%s is not a loopback address: only 127.0.0.0/8 may be handed out", ip)
		}
	}
	return nil
}

// ---- load balancers -------------------------------------------------------

func (c *controller) enqueueService(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err == nil {
		c.svcQueue.Add(key)
	}
}

func (c *controller) syncService(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	svc, err := c.svcLister.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.forget(key)
		return nil
	}
	if err != nil {
		return err
	}
	ours := c.ownIngress(svc)
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		c.forget(key)
		if ours == "" {
			return nil
		}
		// No longer a load balancer: give the address back.
		upd := svc.DeepCopy()
		upd.Status.LoadBalancer = corev1.LoadBalancerStatus{}
		_, err := c.client.CoreV1().Services(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
		return ignoreGone(err)
	}
	if len(svc.Status.LoadBalancer.Ingress) > 0 {
		c.mu.Lock()
		delete(c.firstSeen, key)
		c.mu.Unlock()
		return nil
	}
	c.mu.Lock()
	first, seen := c.firstSeen[key]
	if !seen {
		first = time.Now()
		c.firstSeen[key] = first
	}
	c.mu.Unlock()
	if wait := time.Until(first.Add(c.delay)); wait > 0 {
		c.svcQueue.AddAfter(key, wait)
		return nil
	}
	ip, err := c.allocate(key)
	if err != nil {
		return err
	}
	upd := svc.DeepCopy()
	upd.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: ip, IPMode: ptr(corev1.LoadBalancerIPModeVIP)}}
	if _, err := c.client.CoreV1().Services(ns).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil {
		c.release(key)
		return ignoreGone(err)
	}
	klog.Infof("service %s: load balancer ingress %s", key, ip)
	c.mu.Lock()
	delete(c.firstSeen, key)
	c.mu.Unlock()
	return nil
}

func ptr[T any](v T) *T { return &v }

func ignoreGone(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// ownIngress is the first ingress IP of svc inside our range, or "".
func (c *controller) ownIngress(svc *corev1.Service) string {
	for _, in := range svc.Status.LoadBalancer.Ingress {
		if strings.HasPrefix(in.IP, c.prefix) {
			return in.IP
		}
	}
	return ""
}

// allocate picks the lowest free address. "Used" is every address the
// informer cache shows on a Service plus the ones this process has written
// that the cache may not show yet.
func (c *controller) allocate(key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	used := map[string]bool{}
	svcs, err := c.svcLister.List(labels.Everything())
	if err != nil {
		return "", err
	}
	for _, s := range svcs {
		for _, in := range s.Status.LoadBalancer.Ingress {
			used[in.IP] = true
		}
	}
	for k, ip := range c.assigned {
		if k != key {
			used[ip] = true
		}
	}
	for n := 1; n <= 254; n++ {
		ip := fmt.Sprintf("%s%d", c.prefix, n)
		if !used[ip] {
			c.assigned[key] = ip
			return ip, nil
		}
	}
	return "", fmt.Errorf("no free address left in %s1-%s254", c.prefix, c.prefix)
}

func (c *controller) release(key string) {
	c.mu.Lock()
	delete(c.assigned, key)
	c.mu.Unlock()
}

func (c *controller) forget(key string) {
	c.release(key)
	c.mu.Lock()
	delete(c.firstSeen, key)
	c.mu.Unlock()
}
