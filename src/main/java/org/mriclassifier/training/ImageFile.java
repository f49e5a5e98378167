package org.mriclassifier.training;

import java.nio.file.Path;

/**
 * A labelled image file found under a data set root.
 *
 * @param path    the file
 * @param dataset the root folder it was found under, as given on the command line
 * @param label   from the nearest labelled folder name between the root and the file
 */
public record ImageFile(Path path, String dataset, Label label) {
}
