package main

// The text that other programs parse (the cockpit reads these messages and
// names): checked against what a kubelet and containerd write.

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestParseRefNormalizesAsContainerd(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                                  "docker.io/library/busybox:latest",
		"busybox:1.36":                             "docker.io/library/busybox:1.36",
		"jupyter/base-notebook:2024-01-01":         "docker.io/jupyter/base-notebook:2024-01-01",
		"index.docker.io/library/busybox:1":        "docker.io/library/busybox:1",
		"quay.io/jupyterhub/k8s-singleuser-sample": "quay.io/jupyterhub/k8s-singleuser-sample:latest",
		"quay.io/jupyterhub/k8s-hub:4.4.0":         "quay.io/jupyterhub/k8s-hub:4.4.0",
		"localhost:5000/img":                       "localhost:5000/img:latest",
		"localhost/img:2":                          "localhost/img:2",
		"registry.k8s.io/pause:3.10@sha256:abc":    "registry.k8s.io/pause@sha256:abc",
	} {
		if got := parseRef(in).lookupName(); got != want {
			t.Errorf("parseRef(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNodeImageNamesDigestFirst(t *testing.T) {
	r := parseRef("quay.io/jupyterhub/k8s-singleuser-sample:4.4.0")
	img := r.nodeImage()
	if len(img.Names) != 2 || img.Names[1] != "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0" ||
		!strings.HasPrefix(img.Names[0], "quay.io/jupyterhub/k8s-singleuser-sample@sha256:") || len(img.Names[0]) != len("quay.io/jupyterhub/k8s-singleuser-sample@sha256:")+64 {
		t.Fatalf("names %q", img.Names)
	}
	if img.SizeBytes < 50_000_000 || img.SizeBytes >= 1_000_000_000 || uint64(img.SizeBytes) != r.sizeBytes() {
		t.Fatalf("size %d", img.SizeBytes)
	}
	if parseRef("quay.io/jupyterhub/k8s-singleuser-sample:4.4.0").imageDigest() != r.imageDigest() {
		t.Fatal("the digest must not change between calls (or nodes)")
	}
	byDigest := parseRef("registry.k8s.io/pause@sha256:abc").nodeImage()
	if len(byDigest.Names) != 1 || byDigest.Names[0] != "registry.k8s.io/pause@sha256:abc" {
		t.Fatalf("by digest: %q", byDigest.Names)
	}
}

func TestMessagesAsTheKubeletWritesThem(t *testing.T) {
	const img = "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"
	for _, c := range []struct{ got, want string }{
		{pullingMessage(img), `Pulling image "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0"`},
		{
			pulledMessage(img, 1234567891*time.Nanosecond, 2*time.Second+5*time.Millisecond+999*time.Microsecond, 123456789),
			`Successfully pulled image "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0" in 1.234s (2.005s including waiting). Image size: 123456789 bytes.`,
		},
		{
			pulledMessage(img, 812*time.Millisecond+400*time.Microsecond, 61500*time.Millisecond, 1),
			`Successfully pulled image "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0" in 812ms (1m1.5s including waiting). Image size: 1 bytes.`,
		},
		{presentMessage(img), `Container image "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0" already present on machine and can be accessed by the pod`},
		{neverPullMessage(img), `Container image "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0" is not present with pull policy of Never`},
		{
			failedMessage("nosuch:1"),
			`Failed to pull image "nosuch:1": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nosuch:1": ` +
				`failed to resolve reference "docker.io/library/nosuch:1": docker.io/library/nosuch:1: not found`,
		},
	} {
		if c.got != c.want {
			t.Errorf("got  %s\nwant %s", c.got, c.want)
		}
	}
}

func TestMergeImagesLargestFirstAndCut(t *testing.T) {
	listed := []corev1.ContainerImage{{Names: []string{"x@sha256:1", "x:1"}, SizeBytes: 2_000_000_000}}
	var mine []imageRef
	for _, s := range []string{"a:1", "b:1", "c:1"} {
		mine = append(mine, parseRef(s))
	}
	out, changed := mergeImages(listed, mine)
	if !changed || len(out) != 4 || out[0].Names[1] != "x:1" {
		t.Fatalf("%v %+v", changed, out)
	}
	for i := 1; i < len(out); i++ {
		if out[i-1].SizeBytes < out[i].SizeBytes {
			t.Fatalf("not largest first: %+v", out)
		}
	}
	if _, again := mergeImages(out, mine); again {
		t.Fatal("merging what is listed changed it")
	}
	for i := range 60 {
		mine = append(mine, parseRef("img:"+strings.Repeat("v", i+1)))
	}
	if out, _ := mergeImages(nil, mine); len(out) != maxNodeImages {
		t.Fatalf("%d images listed, the kubelet lists at most %d", len(out), maxNodeImages)
	}
}

func TestPullPolicyDefaults(t *testing.T) {
	for img, want := range map[string]corev1.PullPolicy{
		"busybox":            corev1.PullAlways,
		"busybox:latest":     corev1.PullAlways,
		"busybox:1.36":       corev1.PullIfNotPresent,
		"busybox@sha256:abc": corev1.PullIfNotPresent,
	} {
		if got := pullPolicy(&corev1.Container{Image: img}); got != want {
			t.Errorf("%s: %s, want %s", img, got, want)
		}
	}
	if got := pullPolicy(&corev1.Container{Image: "busybox", ImagePullPolicy: corev1.PullNever}); got != corev1.PullNever {
		t.Errorf("a set policy is kept: %s", got)
	}
}
