/**
 * End-to-end tests against the running local stack (real Keycloak, real OAuth2-Proxy, the
 * service), driven by headless Chromium; run by {@code scripts/test/e2e-local}.
 */
@NullMarked
package dev.gefyra.oauth2demo.e2e;

import org.jspecify.annotations.NullMarked;
