// token-server is the token issuer of the rig's container registry in token
// mode (dev/cluster registry up --auth token, tests/it/support/registry.rs):
// the "authorization service" of the Docker registry token protocol, as
// GHCR, quay.io or Docker Hub run one in front of their registries. The
// registry (distribution, `auth: token`) answers a request without a token
// with 401 and
//
//	WWW-Authenticate: Bearer realm="http://127.0.0.1:P/token",service="...",scope="repository:NAME:pull"
//
// the client asks the realm, GET /token?service=...&scope=..., and this
// server answers {"token": "<JWT>", "access_token": ..., "expires_in": ...,
// "issued_at": ...}. The JWT is ES256, signed with --key, and carries the
// signing certificate (--cert) in its x5c header; the registry trusts it
// through its rootcertbundle (the same certificate) and then accepts
// `Authorization: Bearer <token>` for the actions the token's access claim
// granted.
//
// One address for both, as ghcr.io (realm https://ghcr.io/token) and quay.io
// have it: this server listens on the registry's public address (--listen)
// and passes every request but /token and /healthz on to the registry
// (--registry, a loopback address of its own), Host header unchanged, so the
// registry's upload Locations name the public address. Clients refuse a
// realm on a loopback or private address unless it is the registry's own
// host:port (go-containerregistry v0.22.1, so crane, does), which a
// token server on a port of its own would be.
//
// Who gets what, like a public repository on those registries: anyone,
// without credentials, gets pull on every repository; the one push user
// (--push-user, its password in --push-password-file, sent as HTTP Basic
// auth) gets pull, push and delete, and the catalog. Wrong credentials are
// a 401, never a silent anonymous token. The token is granted the subset of
// what was asked that the caller may have, as the protocol says; a request
// for nothing it may have still gets a token, which the registry refuses.
//
// Why not a token server from the ecosystem: cesanta/docker_auth is not
// served by the Go module proxy, distribution v3 no longer ships
// contrib/token-server, and distribution v2's contrib/token-server grants
// nothing without htpasswd credentials (no anonymous pull), and only
// repositories under the user's own name. This is the protocol's issuer
// side and nothing more; the registry's verification is the real one.
//
// It listens on loopback addresses only, forwards to loopback only, and logs
// one line per token (who, what was asked, what was granted); it never logs
// a token or a password.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
)

type config struct {
	service      string
	issuer       string
	pushUser     string
	pushPassword string
	ttl          time.Duration
	key          *ecdsa.PrivateKey
	certDER      []byte
}

func main() {
	listen := flag.String("listen", "", "the registry's public address (loopback): /token here, the rest passed on to --registry")
	registry := flag.String("registry", "", "the registry's own address, http://127.0.0.1:PORT")
	service := flag.String("service", "", "the registry's service name (its auth.token.service): the tokens' audience")
	issuer := flag.String("issuer", "", "the tokens' issuer (the registry's auth.token.issuer)")
	keyFile := flag.String("key", "", "PEM EC P-256 private key that signs the tokens")
	certFile := flag.String("cert", "", "PEM certificate of that key, sent in each token's x5c header")
	pushUser := flag.String("push-user", "", "the user that may push (HTTP Basic auth); empty: nobody may")
	pushPasswordFile := flag.String("push-password-file", "", "file holding the push user's password")
	ttl := flag.Duration("ttl", 5*time.Minute, "token lifetime")
	flag.Parse()

	cfg, err := load(*service, *issuer, *keyFile, *certFile, *pushUser, *pushPasswordFile, *ttl)
	if err != nil {
		log.Fatalf("token-server: %v", err)
	}
	if err := checkLoopback(*listen); err != nil {
		log.Fatalf("token-server: --listen: %v", err)
	}
	upstream, err := url.Parse(*registry)
	if err != nil || upstream.Scheme != "http" || upstream.Path != "" {
		log.Fatalf("token-server: --registry %q: want http://127.0.0.1:PORT", *registry)
	}
	if err := checkLoopback(upstream.Host); err != nil {
		log.Fatalf("token-server: --registry: %v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("token-server: %v", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("/token", cfg.serveToken)
	mux.Handle("/", registryProxy(upstream))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	log.Printf("token-server: tokens for service %q (issuer %q) at http://%s/token, the registry %s behind it", cfg.service, cfg.issuer, ln.Addr(), upstream)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("token-server: %v", err)
	}
}

// checkLoopback: addr is IP:PORT with a loopback IP (never a name, which
// would be a DNS lookup).
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: only loopback IP addresses are allowed", addr)
	}
	return nil
}

// registryProxy passes a request on to the registry as it came: the Host
// header stays the public address, which the registry builds its absolute
// URLs (upload Locations) from; the body streams (blob uploads).
func registryProxy(upstream *url.URL) http.Handler {
	// Straight to the registry: never through an HTTP(S)_PROXY.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil
	return &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(upstream)
			r.Out.Host = r.In.Host
		},
		Transport: transport,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			httpError(w, http.StatusBadGateway, "UNAVAILABLE", "the registry behind this address does not answer: "+err.Error())
		},
	}
}

func load(service, issuer, keyFile, certFile, pushUser, pushPasswordFile string, ttl time.Duration) (*config, error) {
	if service == "" || issuer == "" || keyFile == "" || certFile == "" {
		return nil, errors.New("--service, --issuer, --key and --cert are required")
	}
	if ttl < time.Minute {
		// The protocol's minimum: a client may assume 60 s.
		return nil, errors.New("--ttl must be at least 1m")
	}
	cfg := &config{service: service, issuer: issuer, pushUser: pushUser, ttl: ttl}
	if pushUser != "" {
		b, err := os.ReadFile(pushPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("--push-password-file: %w", err)
		}
		cfg.pushPassword = strings.TrimRight(string(b), "\r\n")
		if cfg.pushPassword == "" {
			return nil, errors.New("--push-password-file is empty")
		}
	}
	var err error
	if cfg.key, err = readKey(keyFile); err != nil {
		return nil, err
	}
	if cfg.certDER, err = readCert(certFile, &cfg.key.PublicKey); err != nil {
		return nil, err
	}
	return cfg, nil
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	// openssl writes "EC PARAMETERS" before the key with ecparam -genkey.
	for block, rest := pem.Decode(b); block != nil; block, rest = pem.Decode(rest) {
		var key any
		switch block.Type {
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		ec, ok := key.(*ecdsa.PrivateKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%s: not an EC P-256 key (ES256 needs one)", path)
		}
		return ec, nil
	}
	return nil, fmt.Errorf("%s: no PEM private key", path)
}

func readCert(path string, pub *ecdsa.PublicKey) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if certPub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !certPub.Equal(pub) {
		return nil, fmt.Errorf("%s: the certificate is not the signing key's", path)
	}
	return block.Bytes, nil
}

// access is one entry of the token's access claim (and one requested scope).
type access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// parseScopes reads the scope parameters: each holds one or more
// space-separated "type:name:actions" (go-containerregistry joins them
// with spaces, others repeat the parameter). The name may hold a colon
// (a registry host with a port), so type is up to the first colon and
// actions after the last.
func parseScopes(params []string) ([]access, error) {
	var out []access
	for _, p := range params {
		for _, s := range strings.Fields(p) {
			first, last := strings.Index(s, ":"), strings.LastIndex(s, ":")
			if first <= 0 || last == first || last == len(s)-1 {
				return nil, fmt.Errorf("scope %q is not type:name:actions", s)
			}
			out = append(out, access{Type: s[:first], Name: s[first+1 : last], Actions: strings.Split(s[last+1:], ",")})
		}
	}
	return out, nil
}

// grant: what of `want` the caller may have (pushUser: authenticated).
func grant(want []access, pushUser bool) []access {
	granted := []access{}
	for _, a := range want {
		var allowed []string
		switch {
		case a.Type == "repository" && pushUser:
			allowed = []string{"pull", "push", "delete"}
		case a.Type == "repository":
			allowed = []string{"pull"}
		case a.Type == "registry" && a.Name == "catalog" && pushUser:
			allowed = []string{"*"}
		}
		var actions []string
		for _, act := range a.Actions {
			if act == "*" && pushUser && a.Type == "repository" {
				actions = append(actions, allowed...)
			} else if slices.Contains(allowed, act) && !slices.Contains(actions, act) {
				actions = append(actions, act)
			}
		}
		if len(actions) > 0 {
			granted = append(granted, access{Type: a.Type, Name: a.Name, Actions: actions})
		}
	}
	return granted
}

func (c *config) serveToken(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		// The OAuth2 form (grant_type=password/refresh_token) is optional in
		// the protocol; clients fall back to GET on a 404.
		httpError(w, http.StatusNotFound, "UNSUPPORTED", "POST (OAuth2) is not served here: use GET with HTTP Basic auth")
		return
	default:
		httpError(w, http.StatusMethodNotAllowed, "UNSUPPORTED", "use GET")
		return
	}
	q := r.URL.Query()
	if s := q.Get("service"); s != c.service {
		httpError(w, http.StatusBadRequest, "DENIED", fmt.Sprintf("unknown service %q (this server issues tokens for %q)", s, c.service))
		return
	}
	want, err := parseScopes(q["scope"])
	if err != nil {
		httpError(w, http.StatusBadRequest, "DENIED", err.Error())
		return
	}
	subject := ""
	if user, pass, ok := r.BasicAuth(); ok {
		if c.pushUser == "" || subtle.ConstantTimeCompare([]byte(user), []byte(c.pushUser)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(c.pushPassword)) != 1 {
			log.Printf("token-server: %s: wrong credentials for %q", r.RemoteAddr, user)
			w.Header().Set("WWW-Authenticate", `Basic realm="rig registry token server"`)
			httpError(w, http.StatusUnauthorized, "UNAUTHORIZED", "wrong user name or password")
			return
		}
		subject = user
	} else if r.Header.Get("Authorization") != "" {
		httpError(w, http.StatusUnauthorized, "UNAUTHORIZED", "only HTTP Basic credentials, or none, are accepted")
		return
	}
	granted := grant(want, subject != "")
	now := time.Now()
	token, err := c.sign(subject, granted, now)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	who := subject
	if who == "" {
		who = "anonymous"
	}
	log.Printf("token-server: %s: %s asked %s, granted %s", r.RemoteAddr, who, describe(want), describe(granted))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"token":        token,
		"access_token": token,
		"expires_in":   int(c.ttl.Seconds()),
		"issued_at":    now.UTC().Format(time.RFC3339),
	})
}

func describe(as []access) string {
	if len(as) == 0 {
		return "nothing"
	}
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.Type + ":" + a.Name + ":" + strings.Join(a.Actions, ",")
	}
	return strings.Join(parts, " ")
}

// httpError answers in the registry API's error shape.
func httpError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": message}}})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// sign makes the JWT (JWS compact form, ES256): the signature is r || s,
// each 32 bytes big-endian (RFC 7518, 3.4), not ASN.1.
func (c *config) sign(subject string, granted []access, now time.Time) (string, error) {
	header, err := json.Marshal(map[string]any{
		"typ": "JWT",
		"alg": "ES256",
		"x5c": []string{base64.StdEncoding.EncodeToString(c.certDER)},
	})
	if err != nil {
		return "", err
	}
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	claims, err := json.Marshal(map[string]any{
		"iss":    c.issuer,
		"sub":    subject,
		"aud":    c.service,
		"exp":    now.Add(c.ttl).Unix(),
		"nbf":    now.Unix(),
		"iat":    now.Unix(),
		"jti":    hex.EncodeToString(jti),
		"access": granted,
	})
	if err != nil {
		return "", err
	}
	signing := b64(header) + "." + b64(claims)
	digest := sha256.Sum256([]byte(signing))
	r, s, err := ecdsa.Sign(rand.Reader, c.key, digest[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return signing + "." + b64(sig), nil
}
