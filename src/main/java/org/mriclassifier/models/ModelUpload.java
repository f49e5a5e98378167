package org.mriclassifier.models;

import org.mriclassifier.auth.Actor;

/** A command for {@code models.upload}: a zipped model folder, read into memory by the HTTP layer (bounded). */
public record ModelUpload(Actor actor, byte[] zip) {
}
