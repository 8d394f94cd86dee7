package dev.gefyra.oauth2demo.gitops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import dev.gefyra.oauth2demo.token.TokenProperties;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.dataformat.toml.TomlMapper;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The app's Pod as a reviewer would check it: the sidecar reaches the service on its
 * loopback port, the proxy, the service and Keycloak agree on client, issuer and URLs,
 * RBAC grants what Spring Cloud Kubernetes needs and no more, and the shipped claim
 * mapping is one the service accepts.
 */
class AppDeploymentTests {

	private static final String SERVICE_CONFIG = "service/src/main/resources/application.yaml";

	private static final String REALM_FILE = "gitops/keycloak/base/realm/demo-realm.json";

	private static final String LOCAL_USERS_FILE = "gitops/keycloak/overlays/local/realm/demo-users-0.json";

	private static final Map<String, Object> proxyOptions = proxyOptions();

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void sidecarShouldBeANativeSidecarServingHttpOnPort8809(String overlay) {
		Container proxy = proxy(overlay);
		assertThat(proxy.getRestartPolicy()).isEqualTo("Always");
		assertThat(proxy.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("http", 8809));
		assertThat(proxyOptions.get("http_address")).isEqualTo("0.0.0.0:8809");
		assertThat(proxy.getArgs()).contains("--config=/etc/oauth2-proxy/oauth2-proxy.cfg");
		assertThat(pod(overlay).getContainers()).extracting(Container::getName).containsExactly("service");
	}

	/**
	 * One Pod lost (deleted, evicted, drained) must leave another serving: with none, the
	 * ingress answers 404 until a new Pod is Ready and routed (measured on the node). The
	 * fewest Pods are the HorizontalPodAutoscaler's minReplicas.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void losingOnePodShouldLeaveAnotherServing(String overlay) {
		Deployment deployment = single(overlay, Deployment.class);
		PodDisruptionBudget budget = single(overlay, PodDisruptionBudget.class);
		int fewest = Replicas.fewest(deployment, GitOpsTree.render("gitops/oauth2-demo/overlays/" + overlay));
		assertThat(fewest).as("fewest replicas").isGreaterThanOrEqualTo(2);
		assertThat(Replicas.disruptionsAllowed(budget, fewest)).as("disruptions allowed").isLessThan(fewest);
	}

	/**
	 * scripts/bridge redirects the sidecar by an optional ConfigMap; production must
	 * offer no such way to send the app's traffic elsewhere.
	 */
	@Test
	void bridgeHookShouldExistInTheLocalEnvironmentOnly() {
		assertThat(proxy("local").getEnvFrom()).singleElement().satisfies((source) -> {
			assertThat(source.getConfigMapRef().getName()).isEqualTo("oauth2-demo-bridge");
			assertThat(source.getConfigMapRef().getOptional()).isTrue();
		});
		assertThat(proxy("production").getEnvFrom()).isNullOrEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void serviceTargetPortsShouldExistInThePod(String overlay) {
		Set<String> podPorts = Stream
			.concat(pod(overlay).getInitContainers().stream(), pod(overlay).getContainers().stream())
			.flatMap((container) -> container.getPorts().stream())
			.flatMap((port) -> Stream.of(port.getName(), String.valueOf(port.getContainerPort())))
			.collect(Collectors.toSet());
		Service service = single(overlay, Service.class);
		assertThat(service.getSpec().getPorts())
			.allSatisfy((port) -> assertThat(podPorts).contains(Optional.ofNullable(port.getTargetPort().getStrVal())
				.orElse(String.valueOf(port.getTargetPort().getIntVal()))));
		assertThat(service.getSpec().getPorts()).extracting((port) -> port.getTargetPort().getStrVal())
			.containsExactly("http");
		assertThat(service.getSpec().getSelector())
			.isEqualTo(single(overlay, Deployment.class).getSpec().getSelector().getMatchLabels());
	}

	@Test
	void proxyUpstreamShouldBeTheServiceLoopbackPort() {
		JsonNode server = GitOpsTree.yamlFile(SERVICE_CONFIG).path("server");
		assertThat(server.path("address").asText()).isEqualTo("127.0.0.1");
		assertThat(proxyOptions.get("upstreams"))
			.isEqualTo(List.of("http://" + server.path("address").asText() + ":" + server.path("port").asInt()));
		for (String overlay : List.of("local", "production")) {
			assertThat(service(overlay).getEnv()).extracting(EnvVar::getName)
				.doesNotContain("SERVER_PORT", "SERVER_ADDRESS");
		}
	}

	@Test
	void proxyShouldPassTheAccessTokenAfterAPkceCodeFlow() {
		assertThat(proxyOptions).containsEntry("provider", "keycloak-oidc")
			.containsEntry("pass_access_token", true)
			.containsEntry("code_challenge_method", "S256")
			.containsEntry("cookie_secure", true);
		JsonNode client = realmClient();
		assertThat(client.path("standardFlowEnabled").asBoolean()).isTrue();
		assertThat(client.path("publicClient").asBoolean()).isFalse();
		assertThat(client.path("attributes").path("pkce.code.challenge.method").asText()).isEqualTo("S256");
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void proxyClientShouldMatchTheRealmClient(String overlay) {
		JsonNode client = realmClient();
		assertThat(proxyOptions.get("client_id")).isEqualTo(client.path("clientId").asText());
		assertThat(client.path("secret").asText()).isEqualTo("${OAUTH2_DEMO_CLIENT_SECRET}");
		SecretKeySelector proxySecret = env(proxy(overlay), "OAUTH2_PROXY_CLIENT_SECRET").getValueFrom()
			.getSecretKeyRef();
		SecretKeySelector keycloakSecret = env(keycloak(overlay), "OAUTH2_DEMO_CLIENT_SECRET").getValueFrom()
			.getSecretKeyRef();
		assertThat(proxySecret.getName()).isEqualTo(keycloakSecret.getName());
		assertThat(proxySecret.getKey()).isEqualTo(keycloakSecret.getKey());
		assertThat(env(proxy(overlay), "OAUTH2_PROXY_COOKIE_SECRET").getValueFrom().getSecretKeyRef()).isNotNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void redirectUrlShouldPointAtTheIngressHost(String overlay) {
		URI redirect = URI.create(env(proxy(overlay), "OAUTH2_PROXY_REDIRECT_URL").getValue());
		Ingress ingress = single(overlay, Ingress.class);
		assertThat(ingress.getSpec().getRules()).extracting((rule) -> rule.getHost())
			.containsExactly(redirect.getHost());
		assertThat(redirect.getPath()).isEqualTo("/oauth2/callback");
		assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService())
			.satisfies((backend) -> {
				assertThat(backend.getName()).isEqualTo(single(overlay, Service.class).getMetadata().getName());
				assertThat(backend.getPort().getName()).isEqualTo("http");
			});
		if (overlay.equals("production")) {
			assertThat(redirect.getScheme()).isEqualTo("https");
			assertThat(ingress.getSpec().getTls()).isNotEmpty();
		}
	}

	/**
	 * Keycloak fills the realm file's {@code ${VAR}} placeholders from its own
	 * environment at import: in a cluster, the app's URL from the Deployment (the local
	 * stack sets its own).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void realmShouldSendTheBrowserBackOnlyToTheAppOfItsEnvironment(String overlay) {
		URI redirect = URI.create(env(proxy(overlay), "OAUTH2_PROXY_REDIRECT_URL").getValue());
		JsonNode client = RealmImport.client(RealmImport.imported(RealmImport.keycloakEnvironment(overlay)));
		assertThat(client.path("redirectUris")).extracting(JsonNode::asText).containsExactly(redirect.toString());
		assertThat(client.path("attributes").path("post.logout.redirect.uris").asText().split("##"))
			.containsExactly(redirect.resolve("/").toString());
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void issuerShouldBeTheSameForBrowserProxyServiceAndKeycloak(String overlay) {
		String realm = GitOpsTree.yamlFile(REALM_FILE).path("realm").asText();
		String issuer = env(keycloak(overlay), "KC_HOSTNAME").getValue() + "/realms/" + realm;
		assertThat(env(proxy(overlay), "OAUTH2_PROXY_OIDC_ISSUER_URL").getValue()).isEqualTo(issuer);
		assertThat(env(service(overlay), "TOKEN_ISSUER").getValue()).isEqualTo(issuer);
		assertThat(env(proxy(overlay), "OAUTH2_PROXY_LOGIN_URL").getValue()).startsWith(issuer + "/");
		String logoutDomain = env(proxy(overlay), "OAUTH2_PROXY_WHITELIST_DOMAINS").getValue();
		assertThat(logoutDomain.replaceFirst(":\\d+$", "")).isEqualTo(URI.create(issuer).getHost());
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void backChannelUrlsShouldReachKeycloakThroughItsService(String overlay) {
		Service keycloakService = GitOpsTree.render("gitops/keycloak/overlays/" + overlay)
			.stream()
			.filter(Service.class::isInstance)
			.map(Service.class::cast)
			.findFirst()
			.orElseThrow();
		String host = keycloakService.getMetadata().getName() + "." + keycloakService.getMetadata().getNamespace()
				+ ".svc.cluster.local";
		int port = keycloakService.getSpec()
			.getPorts()
			.stream()
			.filter((servicePort) -> servicePort.getName().equals("http"))
			.findFirst()
			.orElseThrow()
			.getPort();
		String realm = GitOpsTree.yamlFile(REALM_FILE).path("realm").asText();
		String base = "http://" + host + ":" + port + "/realms/" + realm + "/protocol/openid-connect/";
		assertThat(expandedEnv(proxy(overlay), "OAUTH2_PROXY_REDEEM_URL")).isEqualTo(base + "token");
		assertThat(expandedEnv(proxy(overlay), "OAUTH2_PROXY_OIDC_JWKS_URL")).isEqualTo(base + "certs");
		assertThat(expandedEnv(proxy(overlay), "OAUTH2_PROXY_BACKEND_LOGOUT_URL"))
			.isEqualTo(base + "logout?id_token_hint={id_token}");
		assertThat(expandedEnv(service(overlay), "TOKEN_JWK_SET_URI")).isEqualTo(base + "certs");
	}

	/**
	 * Keycloak's access tokens expire long before the proxy's session: the proxy must
	 * redeem the refresh token before the access token it forwards expires, and its
	 * cookie should end with Keycloak's idle SSO session, when the refresh token stops
	 * working anyway (SessionRefreshIT proves the refresh with a browser).
	 */
	@Test
	void sessionShouldBeRefreshedBeforeItsAccessTokenExpiresAndEndWithKeycloaksIdleSession() {
		JsonNode realm = GitOpsTree.yamlFile(REALM_FILE);
		Duration accessTokenLifespan = Duration.ofSeconds(realm.path("accessTokenLifespan").asLong());
		Duration ssoSessionIdle = Duration.ofSeconds(realm.path("ssoSessionIdleTimeout").asLong());
		Duration cookieRefresh = DurationStyle.SIMPLE.parse((String) proxyOptions.get("cookie_refresh"));
		Duration cookieExpire = DurationStyle.SIMPLE.parse((String) proxyOptions.get("cookie_expire"));
		assertThat(accessTokenLifespan).isPositive();
		assertThat(cookieRefresh).isPositive().isLessThan(accessTokenLifespan);
		assertThat(cookieExpire).isEqualTo(ssoSessionIdle);
	}

	/**
	 * Unset, OAuth2-Proxy believes X-Forwarded-For, -Host, -Proto and -Uri from any peer
	 * (scripts/test/e2e-header-trust proves what setting it changes).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void proxyShouldBelieveForwardedHeadersOnlyFromTheIngressController(String overlay) {
		assertThat(proxyOptions.get("trusted_proxy_ips")).isEqualTo(List.of("127.0.0.1/32", "::1/128"));
		String trusted = env(proxy(overlay), "OAUTH2_PROXY_TRUSTED_PROXY_IPS").getValue();
		assertThat(trusted).isEqualTo(GitOpsTree.environment(overlay).path("ingressNetwork").asText())
			.matches("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");
		assertThat(Integer.parseInt(trusted.substring(trusted.indexOf('/') + 1))).as("prefix length of %s", trusted)
			.isBetween(8, 32);
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void cookieShouldBeSecureOutsideLocal(String overlay) {
		Optional<EnvVar> override = proxy(overlay).getEnv()
			.stream()
			.filter((variable) -> variable.getName().equals("OAUTH2_PROXY_COOKIE_SECURE"))
			.findFirst();
		boolean secure = override.map((variable) -> Boolean.parseBoolean(variable.getValue()))
			.orElse((Boolean) proxyOptions.get("cookie_secure"));
		assertThat(secure).isEqualTo(!overlay.equals("local"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void rbacShouldGrantExactlyWhatSpringCloudKubernetesAndTheEventsNeed(String overlay) {
		List<HasMetadata> objects = GitOpsTree.render("gitops/oauth2-demo/overlays/" + overlay);
		assertThat(objects)
			.noneMatch((object) -> object instanceof ClusterRole || object instanceof ClusterRoleBinding);
		Role role = single(overlay, Role.class);
		assertThat(role.getRules()).hasSize(3)
			.allSatisfy((PolicyRule rule) -> assertThat(rule.getApiGroups()).containsExactly(""));
		PolicyRule watch = role.getRules().get(0);
		assertThat(watch.getResources()).containsExactly("configmaps");
		assertThat(watch.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
		assertThat(watch.getResourceNames()).isNullOrEmpty();
		// The Events on the ConfigMap that say what each Pod made of it; core/v1 only.
		PolicyRule events = role.getRules().get(1);
		assertThat(events.getResources()).containsExactly("events");
		assertThat(events.getVerbs()).containsExactlyInAnyOrder("create", "patch");
		assertThat(events.getResourceNames()).isNullOrEmpty();
		// The refused-settings annotations Argo CD's health check reads: that ConfigMap
		// only.
		PolicyRule mark = role.getRules().get(2);
		assertThat(mark.getResources()).containsExactly("configmaps");
		assertThat(mark.getVerbs()).containsExactly("patch");
		assertThat(mark.getResourceNames()).containsExactly(servedConfigMapName());
		RoleBinding binding = single(overlay, RoleBinding.class);
		assertThat(binding.getRoleRef().getName()).isEqualTo(role.getMetadata().getName());
		assertThat(binding.getSubjects()).singleElement()
			.satisfies((subject) -> assertThat(subject.getName()).isEqualTo(pod(overlay).getServiceAccountName()));
		assertThat(GitOpsTree.yamlFile(SERVICE_CONFIG)
			.path("spring")
			.path("cloud")
			.path("kubernetes")
			.path("secrets")
			.path("enabled")
			.asBoolean(true)).as("secrets need a Role too").isFalse();
	}

	/**
	 * Only the service calls the Kubernetes API (it watches its ConfigMap): its container
	 * alone gets the ServiceAccount's token, the cluster's CA and the namespace, at the
	 * paths fabric8 reads them from; the sidecar gets none.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void serviceAccountTokenShouldBeMountedIntoTheServiceOnly(String overlay) {
		PodSpec pod = pod(overlay);
		assertThat(pod.getAutomountServiceAccountToken()).as("automountServiceAccountToken").isFalse();
		List<Volume> tokenVolumes = pod.getVolumes()
			.stream()
			.filter((volume) -> volume.getProjected() != null && volume.getProjected()
				.getSources()
				.stream()
				.anyMatch((source) -> source.getServiceAccountToken() != null))
			.toList();
		assertThat(tokenVolumes).hasSize(1);
		Volume volume = tokenVolumes.get(0);
		Map<String, String> files = new TreeMap<>();
		for (VolumeProjection source : volume.getProjected().getSources()) {
			if (source.getServiceAccountToken() != null) {
				files.put(source.getServiceAccountToken().getPath(), "the ServiceAccount's token");
			}
			if (source.getConfigMap() != null) {
				source.getConfigMap()
					.getItems()
					.forEach((item) -> files.put(item.getPath(),
							"ConfigMap " + source.getConfigMap().getName() + " key " + item.getKey()));
			}
			if (source.getDownwardAPI() != null) {
				source.getDownwardAPI()
					.getItems()
					.forEach((item) -> files.put(item.getPath(), item.getFieldRef().getFieldPath()));
			}
		}
		assertThat(files).isEqualTo(Map.of("token", "the ServiceAccount's token", "ca.crt",
				"ConfigMap kube-root-ca.crt key ca.crt", "namespace", "metadata.namespace"));
		assertThat(mountsOf(volume, proxy(overlay))).as("the sidecar's mounts").isEmpty();
		List<VolumeMount> serviceMounts = mountsOf(volume, service(overlay));
		assertThat(serviceMounts).singleElement().satisfies((mount) -> {
			assertThat(mount.getReadOnly()).isTrue();
			assertThat(Stream.of("token", "ca.crt", "namespace").map((file) -> mount.getMountPath() + "/" + file))
				.containsExactly(Config.KUBERNETES_SERVICE_ACCOUNT_TOKEN_PATH,
						Config.KUBERNETES_SERVICE_ACCOUNT_CA_CRT_PATH, Config.KUBERNETES_NAMESPACE_PATH);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void networkPolicyShouldAdmitOnlyTheProxyAndManagementPortsByName(String overlay) {
		NetworkPolicy policy = single(overlay, NetworkPolicy.class);
		assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
		assertThat(policy.getSpec().getPodSelector().getMatchLabels())
			.isEqualTo(single(overlay, Deployment.class).getSpec().getSelector().getMatchLabels());
		Map<String, Integer> podPorts = Stream
			.concat(pod(overlay).getInitContainers().stream(), pod(overlay).getContainers().stream())
			.flatMap((container) -> container.getPorts().stream())
			.collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
		List<String> admitted = policy.getSpec()
			.getIngress()
			.stream()
			.flatMap((rule) -> rule.getPorts().stream())
			.map((port) -> port.getPort().getStrVal())
			.toList();
		assertThat(admitted).as("named ports").doesNotContainNull();
		int managementPort = GitOpsTree.yamlFile(SERVICE_CONFIG).path("management").path("server").path("port").asInt();
		assertThat(admitted).extracting(podPorts::get).containsExactlyInAnyOrder(8809, managementPort);
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void serviceProbesShouldUseTheManagementPort(String overlay) {
		Container service = service(overlay);
		int managementPort = GitOpsTree.yamlFile(SERVICE_CONFIG).path("management").path("server").path("port").asInt();
		assertThat(service.getPorts()).singleElement().satisfies((port) -> {
			assertThat(port.getName()).isEqualTo("management");
			assertThat(port.getContainerPort()).isEqualTo(managementPort);
		});
		assertThat(Stream.of(service.getLivenessProbe(), service.getReadinessProbe()))
			.allSatisfy((probe) -> assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management"));
		assertThat(service.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/readiness");
		assertThat(service.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/actuator/health/liveness");
	}

	/**
	 * Traffic still reaches a terminating Pod until its endpoint removal has propagated:
	 * the service must keep listening for that long before SIGTERM, then drain within the
	 * grace period (proven on processes by GracefulShutdownTests and
	 * scripts/test/e2e-shutdown).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void terminationShouldWaitForEndpointRemovalThenDrainWithinTheGracePeriod(String overlay) {
		Container service = service(overlay);
		assertThat(service.getLifecycle()).as("preStop of the service").isNotNull();
		long preStopSeconds = service.getLifecycle().getPreStop().getSleep().getSeconds();
		assertThat(preStopSeconds).isBetween(3L, 15L);
		assertThat(proxy(overlay).getLifecycle()).as("the native sidecar stops after the service by itself").isNull();
		JsonNode config = GitOpsTree.yamlFile(SERVICE_CONFIG);
		assertThat(config.path("server").path("shutdown").asText()).isEqualTo("graceful");
		long drainSeconds = Duration
			.parse("PT" + config.path("spring").path("lifecycle").path("timeout-per-shutdown-phase").asText())
			.toSeconds();
		assertThat(pod(overlay).getTerminationGracePeriodSeconds())
			.isGreaterThanOrEqualTo(preStopSeconds + drainSeconds + 5);
	}

	/**
	 * The ConfigMap the service reads, and its mapping as the service itself parses it:
	 * any mapping it accepts may ship, not only the built-in one.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void shippedMappingShouldLoadWithTheServicesOwnParser(String overlay) {
		String applicationYaml = shippedApplicationYaml(overlay);
		List<Map.Entry<String, String>> written = new ArrayList<>();
		GitOpsTree.yamlDocuments(applicationYaml)
			.get(0)
			.path("claims")
			.path("mapping")
			.forEach((entry) -> written.add(Map.entry(entry.path("field").asText(), entry.path("claim").asText())));
		assertThat(written).isNotEmpty();
		assertThat(loadMapping(applicationYaml)).containsExactlyElementsOf(written);
	}

	/** The check above can fail: an entry without its claim is refused. */
	@Test
	void mappingCheckShouldRefuseAnEntryWithoutItsClaim() {
		String shipped = shippedApplicationYaml("local");
		String broken = shipped.replaceFirst("(?m)^\\s*claim: .*\\n", "");
		assertThat(broken).isNotEqualTo(shipped);
		assertThatThrownBy(() -> loadMapping(broken)).hasMessageContaining("claims.mapping[0].claim is empty");
	}

	@Test
	void realmShouldHoldTwoDistinctDemoUsersAndTheAudienceAndGroupsMappers() {
		JsonNode realm = GitOpsTree.yamlFile(REALM_FILE);
		JsonNode users = GitOpsTree.yamlFile(LOCAL_USERS_FILE);
		assertThat(users.path("realm").asText()).isEqualTo(realm.path("realm").asText());
		assertThat(LOCAL_USERS_FILE).endsWith("/" + realm.path("realm").asText() + "-users-0.json");
		assertThat(realm.has("users")).as("users live in the local overlay only").isFalse();
		JsonNode john = user(users, "john@gefyra.dev");
		assertThat(john.path("email").asText()).isEqualTo("john@gefyra.dev");
		assertThat(john.path("emailVerified").asBoolean()).isTrue();
		JsonNode jane = user(users, "jane@gefyra.dev");
		assertThat(jane.path("email").asText()).isNotEqualTo(john.path("email").asText());
		assertThat(jane.path("groups")).isNotEmpty();
		assertThat(jane.path("realmRoles")).extracting(JsonNode::asText).contains("demo-admin");
		JsonNode mappers = realmClient().path("protocolMappers");
		assertThat(mappers).anySatisfy((mapper) -> {
			assertThat(mapper.path("protocolMapper").asText()).isEqualTo("oidc-audience-mapper");
			assertThat(mapper.path("config").path("included.client.audience").asText())
				.isEqualTo(serviceDefaults().audience());
			assertThat(mapper.path("config").path("access.token.claim").asText()).isEqualTo("true");
		});
		assertThat(mappers).anySatisfy((mapper) -> assertThat(mapper.path("protocolMapper").asText())
			.isEqualTo("oidc-group-membership-mapper"));
	}

	@ParameterizedTest
	@ValueSource(strings = { "local", "production" })
	void keycloakShouldImportTheOneRealmFileAndTheDemoUsersOnlyLocally(String overlay) {
		List<HasMetadata> objects = GitOpsTree.render("gitops/keycloak/overlays/" + overlay);
		ConfigMap realm = objects.stream()
			.filter((object) -> object instanceof ConfigMap
					&& object.getMetadata().getName().startsWith("keycloak-realm-"))
			.map(ConfigMap.class::cast)
			.findFirst()
			.orElseThrow();
		if (overlay.equals("local")) {
			assertThat(realm.getData()).containsOnlyKeys("demo-realm.json", "demo-users-0.json");
			assertThat(realm.getData().get("demo-users-0.json")).isEqualTo(GitOpsTree.read(LOCAL_USERS_FILE));
		}
		else {
			assertThat(realm.getData()).containsOnlyKeys("demo-realm.json");
		}
		assertThat(realm.getData().get("demo-realm.json")).isEqualTo(GitOpsTree.read(REALM_FILE));
		Deployment keycloak = objects.stream()
			.filter(Deployment.class::isInstance)
			.map(Deployment.class::cast)
			.findFirst()
			.orElseThrow();
		PodSpec pod = keycloak.getSpec().getTemplate().getSpec();
		assertThat(pod.getContainers().get(0).getArgs()).contains("start", "--import-realm");
		assertThat(pod.getVolumes()).anySatisfy(
				(volume) -> assertThat(volume.getConfigMap().getName()).isEqualTo(realm.getMetadata().getName()));
		assertThat(pod.getContainers().get(0).getVolumeMounts())
			.anySatisfy((mount) -> assertThat(mount.getMountPath()).isEqualTo("/opt/keycloak/data/import"));
	}

	private static JsonNode user(JsonNode realm, String username) {
		for (JsonNode user : realm.path("users")) {
			if (user.path("username").asText().equals(username)) {
				return user;
			}
		}
		throw new AssertionError("no user " + username);
	}

	/** The ConfigMap the service reads its settings from. */
	private static String servedConfigMapName() {
		return GitOpsTree.yamlFile(SERVICE_CONFIG)
			.path("spring")
			.path("cloud")
			.path("kubernetes")
			.path("config")
			.path("name")
			.asText();
	}

	private static String shippedApplicationYaml(String overlay) {
		String configMapName = servedConfigMapName();
		ConfigMap configMap = GitOpsTree.render("gitops/oauth2-demo/overlays/" + overlay)
			.stream()
			.filter((object) -> object instanceof ConfigMap && object.getMetadata().getName().equals(configMapName))
			.map(ConfigMap.class::cast)
			.findFirst()
			.orElseThrow(() -> new AssertionError("no ConfigMap " + configMapName));
		String applicationYaml = configMap.getData().get("application.yaml");
		assertThat(applicationYaml).as("application.yaml in ConfigMap " + configMapName).isNotNull();
		return applicationYaml;
	}

	/**
	 * Reads an application.yaml as the service reads its ConfigMap. The one place these
	 * tests use the service's mapping classes, so a rename is fixed on one line.
	 * @return response field to claim path, in order
	 */
	private static List<Map.Entry<String, String>> loadMapping(String applicationYaml) {
		StandardEnvironment environment = new StandardEnvironment();
		try {
			new YamlPropertySourceLoader().load("configmap", new ByteArrayResource(applicationYaml.getBytes()))
				.forEach(environment.getPropertySources()::addFirst);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return dev.gefyra.oauth2demo.reload.ClaimMappingLoader.load(environment)
			.fields()
			.stream()
			.map((field) -> Map.entry(field.name(), field.claim().toString()))
			.toList();
	}

	private static JsonNode realmClient() {
		JsonNode clients = GitOpsTree.yamlFile(REALM_FILE).path("clients");
		assertThat(clients).hasSize(1);
		return clients.get(0);
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> proxyOptions() {
		return new TomlMapper().readValue(GitOpsTree.read("gitops/oauth2-demo/base/oauth2-proxy.cfg"), Map.class);
	}

	private static <T extends HasMetadata> T single(String overlay, Class<T> type) {
		List<T> matches = GitOpsTree.render("gitops/oauth2-demo/overlays/" + overlay)
			.stream()
			.filter(type::isInstance)
			.map(type::cast)
			.toList();
		assertThat(matches).as(type.getSimpleName()).hasSize(1);
		return matches.get(0);
	}

	private static PodSpec pod(String overlay) {
		return single(overlay, Deployment.class).getSpec().getTemplate().getSpec();
	}

	private static Container proxy(String overlay) {
		return pod(overlay).getInitContainers()
			.stream()
			.filter((container) -> container.getName().equals("oauth2-proxy"))
			.findFirst()
			.orElseThrow();
	}

	private static Container service(String overlay) {
		return pod(overlay).getContainers().get(0);
	}

	private static Container keycloak(String overlay) {
		return GitOpsTree.render("gitops/keycloak/overlays/" + overlay)
			.stream()
			.filter(Deployment.class::isInstance)
			.map((object) -> ((Deployment) object).getSpec().getTemplate().getSpec().getContainers().get(0))
			.findFirst()
			.orElseThrow();
	}

	private static List<VolumeMount> mountsOf(Volume volume, Container container) {
		return container.getVolumeMounts()
			.stream()
			.filter((mount) -> mount.getName().equals(volume.getName()))
			.toList();
	}

	/**
	 * The service's token.* settings where nothing overrides them (the base sets none of
	 * these).
	 */
	private static TokenProperties serviceDefaults() {
		return new Binder(new MapConfigurationPropertySource(
				Map.of("token.jwk-set-uri", "http://keycloak/certs", "token.issuer", "http://keycloak")))
			.bindOrCreate("token", TokenProperties.class);
	}

	/**
	 * The value the kubelet gives the variable: each {@code $(NAME)} of a variable
	 * defined earlier in the same container is replaced; any other is left as written.
	 */
	private static String expandedEnv(Container container, String name) {
		Map<String, String> expanded = new LinkedHashMap<>();
		for (EnvVar variable : container.getEnv()) {
			String value = (variable.getValue() != null) ? variable.getValue() : "";
			for (Map.Entry<String, String> earlier : expanded.entrySet()) {
				value = value.replace("$(" + earlier.getKey() + ")", earlier.getValue());
			}
			expanded.put(variable.getName(), value);
		}
		assertThat(expanded).as("the environment of %s", container.getName()).containsKey(name);
		return expanded.get(name);
	}

	private static EnvVar env(Container container, String name) {
		return container.getEnv()
			.stream()
			.filter((variable) -> variable.getName().equals(name))
			.findFirst()
			.orElseThrow(() -> new AssertionError(container.getName() + " has no env " + name));
	}

}
