package org.mriclassifier.bus;

/**
 * Every event-bus address of the server, in one place. Lower case, dotted, by domain. Commands are
 * request/reply (one consumer answers); {@code *.events.*} are published to whoever listens.
 */
public final class Addresses {

    private Addresses() {
    }

    // auth: login and the current state of a token's user
    public static final String AUTH_LOGIN = "auth.login";
    public static final String AUTH_PRINCIPAL = "auth.principal";

    // users: CRUD commands
    public static final String USERS_CREATE = "users.create";
    public static final String USERS_GET = "users.get";
    public static final String USERS_LIST = "users.list";
    public static final String USERS_UPDATE = "users.update";
    public static final String USERS_DELETE = "users.delete";

    // MRI data set: commands of the MRI service
    public static final String MRI_UPLOAD = "mri.upload";
    public static final String MRI_GET = "mri.get";
    public static final String MRI_IMAGE = "mri.image";
    public static final String MRI_LIST = "mri.list";
    public static final String MRI_UPDATE = "mri.update";
    public static final String MRI_DELETE = "mri.delete";
    public static final String MRI_CLASSIFY = "mri.classify";
    /** Grad-CAM of a stored row: {actor, id} → {@code Heatmap} (local codec), cached per row version and model. */
    public static final String MRI_HEATMAP = "mri.heatmap";

    // workers: OpenCV preprocessing, TensorFlow inference (batched), the model's state
    public static final String VISION_PREPROCESS = "mri.vision.preprocess";
    public static final String MODEL_INFER = "mri.model.infer";
    public static final String MODEL_STATUS = "mri.model.status";
    /** {@code StoredImage} → {@code Heatmap}: preprocessing, Grad-CAM and drawing on an inference worker. */
    public static final String MODEL_HEATMAP = "mri.model.heatmap";
    public static final String MODELS_LIST = "models.list";
    public static final String MODELS_UPLOAD = "models.upload";
    public static final String MODELS_ACTIVATE = "models.activate";
    public static final String MODELS_PERFORMANCE = "models.performance";
    /** Each inference runner listens on this prefix + its index; only the batcher sends there. */
    public static final String MODEL_RUN_PREFIX = "mri.model.run.";

    // cluster: the only addresses with consumers other nodes can reach (see docs/ARCHITECTURE.md, "Cluster")
    /**
     * Each inference node listens on this prefix + its node id: {@code ClassifyRequest} → {@code ClassifyReply}
     * (wire codecs). Api nodes pick a live node from the heartbeats and send there.
     */
    public static final String INFERENCE_CLASSIFY_PREFIX = "mri.inference.classify.";
    /** Published by every inference node each {@code cluster.heartbeat_ms}: its node id, model version, and when it leaves. */
    public static final String INFERENCE_EVENTS_HEARTBEAT = "mri.inference.events.heartbeat";
    /**
     * Published by an api node after each checked login: {origin, outcome, account, address}; the other api nodes
     * count its failures (and clear them on a success) in their own backoff and ceilings, so a guesser gains nothing
     * by spreading attempts over the nodes behind a load balancer. Not named {@code *.events.*} on purpose: it carries
     * the email tried, so the event-bus bridge counts it among the addresses it never opens.
     */
    public static final String AUTH_EVENTS_ATTEMPT = "auth.login.attempted";
    /**
     * Published by every api node each {@code cluster.load_report_ms}: {node, max, in_flight, accounts: {id: n}}, its
     * classifications in progress per account; the other api nodes sum them into their fair shares
     * ({@code LoadReports}). Not named {@code *.events.*}: it carries account ids, and the bridge never opens it.
     */
    public static final String MRI_CLUSTER_LOAD = "mri.cluster.load";
    /**
     * {version} → the registered version's folder as a zip ({@code Buffer}), from a node that holds it (the api nodes):
     * an inference node that lacks the version it must serve fetches it here, then checks it as an upload is checked.
     */
    public static final String MODELS_BUNDLE = "models.bundle";
    /** Published by the node that activated a model version: inference nodes switch to it. */
    public static final String MODELS_EVENTS_ACTIVATED = "models.events.activated";

    // events (publish): each carries who, what, which row, when, from where, outcome
    public static final String MRI_EVENTS_CLASSIFIED = "mri.events.classified";
    public static final String MRI_EVENTS_CHANGED = "mri.events.changed";
    public static final String MRI_EVENTS_ACCESSED = "mri.events.accessed";
    public static final String USERS_EVENTS_CHANGED = "users.events.changed";
    public static final String AUTH_EVENTS_LOGIN = "auth.events.login";
    public static final String SECURITY_EVENTS_DENIED = "security.events.denied";
    /** A request without a valid token (local: counted per address and window by the audit verticle). */
    public static final String SECURITY_EVENTS_UNAUTHENTICATED = "security.events.unauthenticated";
}
