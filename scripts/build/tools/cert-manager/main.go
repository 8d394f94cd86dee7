// Command cert-manager-controller runs cert-manager's own controllers, with its CA and self-signed
// issuers, from github.com/cert-manager/cert-manager (the root module, the one the Go module proxy
// serves). Upstream's main lives in a module of its own (controller-binary) that the proxy does not
// serve, and builds its configuration from the root module's internal/ packages, which no other
// module may import; this command starts the same registered controllers through the root module's
// exported API (pkg/controller), with upstream's defaults, one replica and no leader election.
// Issuing a certificate for an annotated Ingress takes: the ingress shim, the certificates
// controllers, the certificate-request approver, the CA and self-signed request controllers, and
// the issuer controllers that mark an Issuer or ClusterIssuer Ready. ACME, Vault, Venafi and the
// Gateway API shim are left out: no issuer of that kind runs where this command is used.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cert-manager/cert-manager/pkg/controller"
	"github.com/cert-manager/cert-manager/pkg/healthz"
	logf "github.com/cert-manager/cert-manager/pkg/logs"

	_ "github.com/cert-manager/cert-manager/pkg/controller/certificate-shim/ingresses"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// Upstream's defaults (internal/apis/config/controller/v1alpha1/defaults.go).
const (
	workers                   = 5
	apiQPS                    = 20
	apiBurst                  = 50
	maxConcurrentChallenges   = 60
	minimumRequestBackoff     = time.Hour
	maximumRequestBackoff     = 32 * time.Hour
	healthzLeaderElectTimeout = 20 * time.Second
)

func main() {
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "kube-system",
		"where the Secrets that ClusterIssuers refer to live")
	metricsAddress := flag.String("metrics-listen-address", "0.0.0.0:9402", "Prometheus metrics")
	healthzAddress := flag.String("healthz-listen-address", "0.0.0.0:9403", "/livez for the probes")
	kubeconfig := flag.String("kubeconfig", "", "a kubeconfig; in a Pod, its ServiceAccount")
	flag.Parse()

	logf.InitLogs()
	defer logf.FlushLogs()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, "controller")

	if err := run(ctx, controller.ContextOptions{
		Kubeconfig:         *kubeconfig,
		KubernetesAPIQPS:   apiQPS,
		KubernetesAPIBurst: apiBurst,
		IssuerOptions: controller.IssuerOptions{
			ClusterResourceNamespace:        *clusterResourceNamespace,
			ClusterIssuerAmbientCredentials: true,
		},
		IngressShimOptions: controller.IngressShimOptions{
			DefaultIssuerKind:                 "Issuer",
			DefaultIssuerGroup:                "cert-manager.io",
			DefaultAutoCertificateAnnotations: []string{"kubernetes.io/tls-acme"},
		},
		CertificateOptions: controller.CertificateOptions{
			CertificateRequestMinimumBackoffDuration: minimumRequestBackoff,
			CertificateRequestMaximumBackoffDuration: maximumRequestBackoff,
		},
		SchedulerOptions: controller.SchedulerOptions{MaxConcurrentChallenges: maxConcurrentChallenges},
	}, *metricsAddress, *healthzAddress); err != nil {
		logf.Log.Error(err, "cert-manager controller stopped")
		logf.FlushLogs()
		os.Exit(1)
	}
}

func run(ctx context.Context, options controller.ContextOptions, metricsAddress, healthzAddress string) error {
	log := logf.FromContext(ctx)
	factory, err := controller.NewContextFactory(ctx, options)
	if err != nil {
		return err
	}
	shared, err := factory.Build()
	if err != nil {
		return err
	}
	group, ctx := errgroup.WithContext(ctx)

	metricsListener, err := listen(ctx, metricsAddress)
	if err != nil {
		return err
	}
	shared.Metrics.SetupCertificateCollector(shared.SharedInformerFactory.Certmanager().V1().Certificates().Lister())
	shared.Metrics.SetupIssuerCollector(shared.SharedInformerFactory.Certmanager().V1().Issuers().Lister())
	shared.Metrics.SetupClusterIssuerCollector(shared.SharedInformerFactory.Certmanager().V1().ClusterIssuers().Lister())
	metricsServer := shared.Metrics.NewServer(metricsListener)
	group.Go(func() error {
		if err := metricsServer.Serve(metricsListener); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	group.Go(func() error {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return metricsServer.Shutdown(shutdown)
	})

	healthzListener, err := listen(ctx, healthzAddress)
	if err != nil {
		return err
	}
	group.Go(func() error {
		return healthz.NewServer(healthzLeaderElectTimeout).Start(ctx, healthzListener)
	})

	names := make([]string, 0, len(controller.Known()))
	for name := range controller.Known() {
		names = append(names, name)
	}
	sort.Strings(names)
	log.Info("starting controllers", "controllers", names)
	for _, name := range names {
		loop, err := controller.Known()[name](factory)
		if err != nil {
			return fmt.Errorf("controller %s: %w", name, err)
		}
		group.Go(func() error {
			return loop.Run(workers, ctx)
		})
	}
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	return group.Wait()
}

func listen(ctx context.Context, address string) (net.Listener, error) {
	var config net.ListenConfig
	listener, err := config.Listen(ctx, "tcp", address)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", address, err)
	}
	return listener, nil
}
