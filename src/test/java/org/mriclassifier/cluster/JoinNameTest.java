package org.mriclassifier.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.mriclassifier.testing.ClusterKeys;

/** The Hazelcast cluster name is the join credential: derived from the cluster key or a configured join secret. */
@DisplayName("the cluster's join name")
class JoinNameTest {

    private static JsonObject cluster(ClusterKeys keys) {
        return new JsonObject().put("name", "mri-test").put("keystore", keys.keystore.toString())
                .put("keystore_password", keys.password);
    }

    @Test
    @DisplayName("the same key gives the same name, another key another one, and neither shows the key or is the configured name alone")
    void derivedFromTheKey() throws Exception {
        ClusterKeys one = ClusterKeys.generate("join-name-one");
        ClusterKeys other = ClusterKeys.generate("join-name-other");
        String name = ClusterSetup.joinName(cluster(one));
        assertEquals(name, ClusterSetup.joinName(cluster(one)));
        assertNotEquals(name, ClusterSetup.joinName(cluster(other)));
        assertTrue(name.startsWith("mri-test-") && name.length() == "mri-test-".length() + 32, name);
        assertFalse(name.contains(one.password), name);
    }

    @Test
    @DisplayName("a configured join secret replaces the key's; it is required with a trust store and must be long enough")
    void joinSecret() throws Exception {
        ClusterKeys one = ClusterKeys.generate("join-name-secret");
        ClusterKeys other = ClusterKeys.generate("join-name-secret-other");
        String secret = "a-join-secret-of-some-length";
        assertEquals(ClusterSetup.joinName(cluster(one).put("join_secret", secret)),
                ClusterSetup.joinName(cluster(other).put("join_secret", secret)), "one secret, any key: one cluster");
        IllegalArgumentException noSecret = assertThrows(IllegalArgumentException.class,
                () -> ClusterSetup.joinName(cluster(one).put("truststore", one.keystore.toString())));
        assertTrue(noSecret.getMessage().contains("cluster.join_secret"), noSecret.getMessage());
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> ClusterSetup.joinName(cluster(one).put("join_secret", "short")));
        assertTrue(tooShort.getMessage().contains("16"), tooShort.getMessage());
        IllegalArgumentException wrongPassword = assertThrows(IllegalArgumentException.class,
                () -> ClusterSetup.joinName(cluster(one).put("keystore_password", "not-the-password")));
        assertFalse(wrongPassword.getMessage().contains("Exception"), wrongPassword.getMessage());
    }
}
