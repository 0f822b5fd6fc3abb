package main

// What a node's container runtime and a kubelet's image manager say about
// an image, as text: the names containerd gives it, its digest and size
// (made up, but the same on every node and every run), and the event
// messages of k8s.io/kubernetes v1.36.3 pkg/kubelet/images/image_manager.go,
// copied with the line each comes from.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Event reasons: pkg/kubelet/events/event.go (PullingImage, PulledImage,
// FailedToPullImage, ErrImageNeverPullPolicy).
const (
	reasonPulling   = "Pulling"
	reasonPulled    = "Pulled"
	reasonFailed    = "Failed"
	reasonNeverPull = "ErrImageNeverPull"
)

// image_manager.go:355, m.logIt(..., fmt.Sprintf("Pulling image %q", image)).
// image is the container's image as the pod spec writes it.
func pullingMessage(image string) string {
	return fmt.Sprintf("Pulling image %q", image)
}

// image_manager.go:373-375: the pull's own time and the time since Pulling
// (waiting for the serial puller included), both truncated to the
// millisecond and printed with %v, i.e. time.Duration's String ("1.234s",
// "812ms", "1m3.5s").
func pulledMessage(image string, pull, total time.Duration, size uint64) string {
	return fmt.Sprintf("Successfully pulled image %q in %v (%v including waiting). Image size: %v bytes.",
		image, pull.Truncate(time.Millisecond), total.Truncate(time.Millisecond), size)
}

// image_manager.go:257. 1.36 runs with the KubeletEnsureSecretPulledImages
// feature gate on (beta, default true since 1.35: pkg/features/
// kube_features.go), so an image the kubelet pulled with the node's own
// credentials is reported with this message; the shorter "Container image
// %q already present on machine" (line 244) is the gate-off form.
func presentMessage(image string) string {
	return fmt.Sprintf("Container image %q already present on machine and can be accessed by the pod", image)
}

// image_manager.go:157 (imageNotPresentOnNeverPolicyError).
func neverPullMessage(image string) string {
	return fmt.Sprintf("Container image %q is not present with pull policy of Never", image)
}

// image_manager.go:362, fmt.Sprintf("Failed to pull image %q: %v", image,
// err), with err as containerd's CRI plugin returns it for a tag its
// registry does not have (a gRPC NotFound; containerd names the image by
// its normalized reference).
func failedMessage(image string) string {
	ref := parseRef(image).lookupName()
	return fmt.Sprintf("Failed to pull image %q: rpc error: code = NotFound desc = failed to pull and unpack image %q: failed to resolve reference %q: %s: not found",
		image, ref, ref, ref)
}

// imageRef is an image reference as containerd stores it: the repository
// with its registry ("docker.io/library/busybox" for "busybox") and a tag
// or a digest.
type imageRef struct {
	repo   string
	tag    string // "" for a reference by digest
	digest string // "sha256:<hex>" for a reference by digest, else ""
}

// parseRef normalizes a reference as github.com/distribution/reference's
// ParseDockerRef does (what containerd's CRI plugin calls): no registry
// means docker.io, a one-part name there is library/NAME, no tag and no
// digest means :latest, and a digest wins over a tag.
func parseRef(s string) imageRef {
	name, digest, _ := strings.Cut(s, "@")
	tag := ""
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		name, tag = name[:i], name[i+1:]
	}
	domain, path := "docker.io", name
	if i := strings.IndexByte(name, '/'); i >= 0 {
		first := name[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first {
			domain, path = first, name[i+1:]
		}
	}
	if domain == "index.docker.io" {
		domain = "docker.io"
	}
	if domain == "docker.io" && !strings.Contains(path, "/") {
		path = "library/" + path
	}
	if digest != "" {
		tag = ""
	} else if tag == "" {
		tag = "latest"
	}
	return imageRef{repo: domain + "/" + path, tag: tag, digest: digest}
}

// lookupName is the name the runtime finds the image by: repo:tag, or
// repo@digest.
func (r imageRef) lookupName() string {
	if r.digest != "" {
		return r.repo + "@" + r.digest
	}
	return r.repo + ":" + r.tag
}

// imageDigest is the image's digest: the one the reference names, else one
// made from the tag, the same on every node (as one tag pulled from one
// registry at one time is).
func (r imageRef) imageDigest() string {
	if r.digest != "" {
		return r.digest
	}
	sum := sha256.Sum256([]byte("jhub-cockpit rig image " + r.repo + ":" + r.tag))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// sizeBytes is a made-up image size between 50 MB and 1 GB, fixed per
// digest, so that the Pulled message and status.images agree.
func (r imageRef) sizeBytes() uint64 {
	sum := sha256.Sum256([]byte(r.imageDigest()))
	return 50_000_000 + binary.BigEndian.Uint64(sum[:8])%950_000_000
}

// nodeImage is the entry in a node's status.images, as the kubelet's
// nodestatus.Images setter (pkg/kubelet/nodestatus/setters.go) writes it:
// the runtime's RepoDigests, then its RepoTags. containerd lists no tag
// for an image pulled by digest.
func (r imageRef) nodeImage() corev1.ContainerImage {
	names := []string{r.repo + "@" + r.imageDigest()}
	if r.tag != "" {
		names = append(names, r.repo+":"+r.tag)
	}
	return corev1.ContainerImage{Names: names, SizeBytes: int64(r.sizeBytes())}
}

// pullPolicy is the container's imagePullPolicy; the API server defaults
// it, but a missing one is what defaulting would give (Always for :latest
// or no tag, else IfNotPresent).
func pullPolicy(c *corev1.Container) corev1.PullPolicy {
	if c.ImagePullPolicy != "" {
		return c.ImagePullPolicy
	}
	if r := parseRef(c.Image); r.digest == "" && r.tag == "latest" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}
