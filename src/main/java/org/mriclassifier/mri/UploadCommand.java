package org.mriclassifier.mri;

import org.mriclassifier.auth.Actor;

/**
 * A command for {@code mri.upload}: image bytes plus their metadata, on behalf of an actor. The HTTP layer and
 * the import command both send it; the MRI service checks, classifies and stores.
 *
 * @param label the ground truth when known ({@code tumor} | {@code healthy}), else null
 */
public record UploadCommand(Actor actor, byte[] image, String gender, String hospital, String label) {
}
