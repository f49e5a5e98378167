package org.mriclassifier.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The two halves of a command over the event bus: answering one, and asking one. */
public final class Services {

    private static final Logger LOG = LoggerFactory.getLogger(Services.class);

    private Services() {
    }

    /**
     * Registers a command handler whose failures reach the caller as {@link ServiceException}s; anything
     * unexpected is logged here with the request id and leaves as a bare 500, never with its details.
     */
    public static Future<Void> serve(EventBus bus, String address, Function<JsonObject, Future<JsonObject>> handler) {
        return serve(bus, address, handler, Services::asServiceException);
    }

    /**
     * As {@link #serve(EventBus, String, Function)}, with {@code failures} turning what the handler failed with into
     * what the caller is told (the services that use the database pass {@code DbErrors::asServiceException}, so
     * that {@code bus} knows nothing of the database).
     */
    public static Future<Void> serve(EventBus bus, String address, Function<JsonObject, Future<JsonObject>> handler,
                                     Function<Throwable, ServiceException> failures) {
        return bus.<JsonObject>localConsumer(address, message -> answer(message, handler, failures)).completion();
    }

    static void answer(Message<JsonObject> message, Function<JsonObject, Future<JsonObject>> handler,
                       Function<Throwable, ServiceException> failures) {
        Future<JsonObject> result;
        try {
            result = handler.apply(message.body());
        } catch (RuntimeException e) {
            result = Future.failedFuture(e);
        }
        result.onSuccess(message::reply).onFailure(error -> {
            ServiceException failure = failures.apply(error);
            if (failure.status() >= 500) {
                JsonObject body = message.body();
                String requestId = body == null || body.getJsonObject("actor") == null ? null
                        : body.getJsonObject("actor").getString("request_id");
                LOG.error("{} failed for request {}: {}", message.address(), requestId, error.toString(),
                        failure == error ? null : error);
            }
            message.fail(failure.status(), failure.toWire());
        });
    }

    /** A {@link ServiceException} as it is; anything else a bare 500 (no details leave the server). */
    public static ServiceException asServiceException(Throwable error) {
        if (error instanceof ServiceException se) {
            return se;
        }
        return new ServiceException(500, "internal error");
    }

    /** Sends a command and turns a failed reply back into the {@link ServiceException} the service raised. */
    public static Future<JsonObject> call(EventBus bus, String address, JsonObject command, long timeoutMs) {
        return bus.<JsonObject>request(address, command, new DeliveryOptions().setSendTimeout(timeoutMs))
                .map(Message::body)
                .recover(error -> Future.failedFuture(fromReply(address, error)));
    }

    /** A failed request's cause as the {@link ServiceException} the answering side raised (or 503 / 500). */
    public static ServiceException asReplyFailure(Throwable error) {
        return fromReply("(reply)", error);
    }

    static ServiceException fromReply(String address, Throwable error) {
        if (error instanceof ReplyException reply) {
            return switch (reply.failureType()) {
                case RECIPIENT_FAILURE -> ServiceException.fromWire(reply.failureCode(), reply.getMessage());
                case TIMEOUT -> ServiceException.unavailable("the service did not answer in time; try again later");
                case NO_HANDLERS -> ServiceException.unavailable("the service is not available; try again later");
                case ERROR -> ServiceException.unavailable("the service is not available; try again later");
            };
        }
        LOG.error("Unexpected failure calling {}", address, error);
        return new ServiceException(500, "internal error");
    }
}
