/**
 * Reading and verifying the forwarded access token with Spring Security's Nimbus
 * decoders.
 */
@NullMarked
package dev.gefyra.oauth2demo.token;

import org.jspecify.annotations.NullMarked;
