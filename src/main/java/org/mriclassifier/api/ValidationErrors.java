package org.mriclassifier.api;

import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mriclassifier.api.Problem.FieldError;

/**
 * Turns the contract validator's findings into problems that name the field at fault: the schema
 * validator's output units for bodies, the parameter named in the message for parameters.
 */
final class ValidationErrors {

    private static final Pattern PARAMETER = Pattern.compile("(path|query|header|cookie) parameter ([^ .]+)");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]+)\"");

    private ValidationErrors() {
    }

    static Problem toProblem(ValidatorException e) {
        List<FieldError> errors = new ArrayList<>();
        Matcher parameter = PARAMETER.matcher(e.getMessage());
        if (parameter.find()) {
            String name = parameter.group(2);
            errors.add(new FieldError(name, describe(e, name)));
            return new Problem(400, "invalid " + parameter.group(1) + " parameter '" + name + "'", errors, null);
        }
        if (e instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
            collect(schema.getOutputUnit(), errors);
            errors = dedupe(errors);
            String detail = errors.isEmpty() ? "the request body does not match the contract"
                    : "invalid request body: " + errors.get(0).field() + ": " + errors.get(0).message();
            return new Problem(400, detail, errors, null);
        }
        String message = e.getMessage();
        if (message.contains("does not contain the required body")) {
            return Problem.of(400, "the request needs a JSON body");
        }
        if (message.contains("body is not supported")) {
            return Problem.of(415, "the body must be application/json");
        }
        return Problem.of(400, "the request body is not valid JSON");
    }

    private static String describe(ValidatorException e, String name) {
        if (e instanceof SchemaValidationException schema && schema.getOutputUnit() != null) {
            List<FieldError> inner = new ArrayList<>();
            collect(schema.getOutputUnit(), inner);
            if (!inner.isEmpty()) {
                return inner.get(inner.size() - 1).message();
            }
        }
        return switch (e.type()) {
            case MISSING_REQUIRED_PARAMETER -> "is required";
            default -> "has an invalid value";
        };
    }

    /** The leaves of the output tree are the precise complaints. */
    private static void collect(OutputUnit unit, List<FieldError> out) {
        List<OutputUnit> children = unit.getErrors();
        if (children != null && !children.isEmpty()) {
            children.forEach(child -> collect(child, out));
            return;
        }
        String error = unit.getError();
        if (error == null) {
            return;
        }
        out.add(new FieldError(fieldOf(unit.getInstanceLocation(), error), plain(error)));
    }

    /**
     * The instance location names the field, except for "required" and "additional property" complaints,
     * which sit on the parent object and quote the property.
     */
    static String fieldOf(String instanceLocation, String error) {
        String base = instanceLocation == null ? "" : instanceLocation.replaceFirst("^#?/?", "");
        Matcher quoted = QUOTED.matcher(error);
        if (error.contains("required property") && quoted.find()) {
            return base.isEmpty() ? quoted.group(1) : base + "/" + quoted.group(1);
        }
        return base.isEmpty() ? "(body)" : base;
    }

    private static String plain(String error) {
        if (error.contains("additional properties")) {
            return "is not a known field";
        }
        if (error.contains("required property")) {
            return "is required";
        }
        return error.replace("Instance ", "").replace("Instance", "value");
    }

    /**
     * The validator reports a failing property twice: once as "does not match schema" on the object, once
     * with the precise reason. Keep the precise one, and each complaint once.
     */
    private static List<FieldError> dedupe(List<FieldError> errors) {
        Set<FieldError> unique = new LinkedHashSet<>(errors);
        List<FieldError> precise = new ArrayList<>();
        for (FieldError e : unique) {
            boolean generic = e.message().endsWith("does not match schema");
            boolean hasPrecise = unique.stream().anyMatch(o -> o != e && o.field().equals(e.field())
                    && !o.message().endsWith("does not match schema"));
            if (!generic || !hasPrecise) {
                precise.add(e);
            }
        }
        return precise;
    }
}
