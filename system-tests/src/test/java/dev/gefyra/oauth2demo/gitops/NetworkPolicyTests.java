package dev.gefyra.oauth2demo.gitops;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each component's NetworkPolicy admits exactly the Pods that must reach it, on exactly
 * the ports they use: the environment's ingress controller and Prometheus, the app's Pods
 * to Keycloak, Keycloak's Pods to each other and to PostgreSQL; nobody else, nowhere
 * else.
 */
class NetworkPolicyTests {

	private static final String NAMESPACE_NAME = "kubernetes.io/metadata.name";

	private static final String POD_NAME = "app.kubernetes.io/name";

	static Stream<String> overlays() {
		return GitOpsTreeTests.overlays();
	}

	@ParameterizedTest
	@MethodSource("overlays")
	void policyShouldAdmitExactlyTheIntendedPeersOnTheNamedPorts(String overlay) {
		assertThat(admitted(policy(overlay))).isEqualTo(intended(overlay));
	}

	@ParameterizedTest
	@MethodSource("overlays")
	void policyShouldSelectTheComponentsPodsAndFilterTheirIngress(String overlay) {
		NetworkPolicy policy = policy(overlay);
		PodTemplateSpec pods = workload(overlay);
		assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
		assertThat(policy.getSpec().getPodSelector().getMatchExpressions()).isNullOrEmpty();
		assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isNotEmpty();
		assertThat(pods.getMetadata().getLabels())
			.containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
	}

	/** A port the Pod does not name would match nothing, or a number another port. */
	@ParameterizedTest
	@MethodSource("overlays")
	void admittedPortsShouldBeNamedPortsOfThePod(String overlay) {
		PodSpec pod = workload(overlay).getSpec();
		Set<String> podPorts = new TreeSet<>();
		Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
			.flatMap((container) -> container.getPorts().stream())
			.forEach((port) -> podPorts.add(port.getName()));
		assertThat(admitted(policy(overlay)).keySet()).isNotEmpty()
			.allSatisfy((port) -> assertThat(podPorts).contains(port));
	}

	/**
	 * The check can fail: a rule without {@code from}, as the app's was, admits anyone.
	 */
	@Test
	void ruleWithoutPeersShouldReadAsAdmittingAnyone() {
		NetworkPolicy open = new NetworkPolicyBuilder().withNewMetadata()
			.withNamespace("oauth2-demo")
			.endMetadata()
			.withNewSpec()
			.addNewIngress()
			.addNewPort()
			.withNewPort("http")
			.endPort()
			.addNewPort()
			.withNewPort("management")
			.endPort()
			.endIngress()
			.endSpec()
			.build();
		assertThat(admitted(open)).isEqualTo(Map.of("http", Set.of("anyone"), "management", Set.of("anyone")));
	}

	/**
	 * The check can fail: the namespace and the Pod label as two peers admit either (any
	 * Pod of the namespace, or that label in the policy's own namespace), not both.
	 */
	@Test
	void namespaceAndPodSelectorsInTwoPeersShouldReadAsTwoPeers() {
		NetworkPolicy either = new NetworkPolicyBuilder().withNewMetadata()
			.withNamespace("oauth2-demo")
			.endMetadata()
			.withNewSpec()
			.addNewIngress()
			.addNewFrom()
			.withNewNamespaceSelector()
			.addToMatchLabels(NAMESPACE_NAME, "kube-system")
			.endNamespaceSelector()
			.endFrom()
			.addNewFrom()
			.withNewPodSelector()
			.addToMatchLabels(POD_NAME, "traefik")
			.endPodSelector()
			.endFrom()
			.addNewPort()
			.withNewPort("http")
			.endPort()
			.endIngress()
			.endSpec()
			.build();
		assertThat(admitted(either)).isEqualTo(Map.of("http", Set.of("kube-system/every Pod", "oauth2-demo/traefik")));
	}

	/**
	 * Who must reach each component, by port: the environment names the ingress
	 * controller and Prometheus, the rendered overlays name this tree's own Pods.
	 */
	private static Map<String, Set<String>> intended(String overlay) {
		String component = overlay.split("/")[1];
		String environment = overlay.substring(overlay.lastIndexOf('/') + 1);
		String keycloak = peerOf("gitops/keycloak/overlays/" + environment);
		Map<String, Set<String>> intended = new TreeMap<>();
		if (component.equals("postgresql")) {
			intended.put("postgresql", Set.of(keycloak));
			return intended;
		}
		JsonNode values = GitOpsTree.environment(environment);
		String ingress = values.path("ingressNamespace").asText() + "/" + values.path("ingressPods").asText();
		String prometheus = values.path("monitoringNamespace").asText() + "/" + values.path("monitoringPods").asText();
		assertThat(List.of(ingress, prometheus)).as("peers of %s", GitOpsTree.environmentFile(environment))
			.allSatisfy((peer) -> assertThat(peer).matches("[a-z0-9-]+/[a-z0-9-]+"));
		intended.put("management", Set.of(prometheus));
		if (component.equals("oauth2-demo")) {
			intended.put("http", Set.of(ingress));
		}
		else {
			intended.put("http", Set.of(ingress, peerOf("gitops/oauth2-demo/overlays/" + environment)));
			intended.put("jgroups", Set.of(keycloak));
			intended.put("jgroups-fd", Set.of(keycloak));
		}
		return intended;
	}

	/**
	 * What a policy admits, by port: each peer as "namespace/app.kubernetes.io/name", in
	 * words where it selects more ("every Pod", "anyone", an address block).
	 */
	static Map<String, Set<String>> admitted(NetworkPolicy policy) {
		Map<String, Set<String>> admitted = new TreeMap<>();
		for (NetworkPolicyIngressRule rule : policy.getSpec().getIngress()) {
			List<String> ports = (rule.getPorts() == null || rule.getPorts().isEmpty()) ? List.of("every port")
					: rule.getPorts().stream().map(NetworkPolicyTests::port).toList();
			List<String> peers = (rule.getFrom() == null || rule.getFrom().isEmpty()) ? List.of("anyone")
					: rule.getFrom().stream().map((peer) -> peer(peer, policy.getMetadata().getNamespace())).toList();
			for (String port : ports) {
				admitted.computeIfAbsent(port, (key) -> new TreeSet<>()).addAll(peers);
			}
		}
		return admitted;
	}

	private static String port(NetworkPolicyPort port) {
		String protocol = (port.getProtocol() != null) ? port.getProtocol() : "TCP";
		String name = (port.getPort() == null) ? "every port" : (port.getPort().getStrVal() != null)
				? port.getPort().getStrVal() : "number " + port.getPort().getIntVal();
		return protocol.equals("TCP") ? name : name + "/" + protocol;
	}

	private static String peer(NetworkPolicyPeer peer, String ownNamespace) {
		if (peer.getIpBlock() != null) {
			return "addresses " + peer.getIpBlock().getCidr();
		}
		String namespace = (peer.getNamespaceSelector() == null) ? ownNamespace
				: selected(peer.getNamespaceSelector(), NAMESPACE_NAME, "every namespace");
		String pods = (peer.getPodSelector() == null) ? "every Pod"
				: selected(peer.getPodSelector(), POD_NAME, "every Pod");
		return namespace + "/" + pods;
	}

	/** The one label value a selector requires, or what else it selects. */
	private static String selected(LabelSelector selector, String key, String all) {
		Map<String, String> labels = (selector.getMatchLabels() != null) ? selector.getMatchLabels() : Map.of();
		boolean expressions = selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty();
		if (labels.isEmpty() && !expressions) {
			return all;
		}
		if (labels.size() == 1 && labels.containsKey(key) && !expressions) {
			return labels.get(key);
		}
		return "selected by " + selector;
	}

	/** A workload of this tree as a peer: its namespace and its Pods' name label. */
	private static String peerOf(String overlay) {
		PodTemplateSpec pods = workload(overlay);
		String namespace = GitOpsTree.render(overlay)
			.stream()
			.filter((object) -> podTemplate(object) != null)
			.findFirst()
			.orElseThrow()
			.getMetadata()
			.getNamespace();
		assertThat(pods.getMetadata().getLabels()).as("Pod labels in %s", overlay).containsKey(POD_NAME);
		return namespace + "/" + pods.getMetadata().getLabels().get(POD_NAME);
	}

	private static PodTemplateSpec workload(String overlay) {
		List<PodTemplateSpec> templates = GitOpsTree.render(overlay)
			.stream()
			.map(NetworkPolicyTests::podTemplate)
			.filter((template) -> template != null)
			.toList();
		assertThat(templates).as("workloads in %s", overlay).hasSize(1);
		return templates.get(0);
	}

	private static PodTemplateSpec podTemplate(HasMetadata object) {
		if (object instanceof Deployment deployment) {
			return deployment.getSpec().getTemplate();
		}
		if (object instanceof StatefulSet statefulSet) {
			return statefulSet.getSpec().getTemplate();
		}
		return null;
	}

	private static NetworkPolicy policy(String overlay) {
		List<NetworkPolicy> policies = GitOpsTree.render(overlay)
			.stream()
			.filter(NetworkPolicy.class::isInstance)
			.map(NetworkPolicy.class::cast)
			.toList();
		assertThat(policies).as("NetworkPolicies in %s", overlay).hasSize(1);
		return policies.get(0);
	}

}
