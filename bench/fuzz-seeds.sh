#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target into src/test/resources (FuzzSeeds: drawn images, hostile files,
# real requests of each kind). The files are committed; re-run after changing FuzzSeeds.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/fuzz-classpath.txt -Dmdep.includeScope=test
java -cp "target/test-classes:target/classes:$(cat target/fuzz-classpath.txt)" org.mriclassifier.testing.FuzzSeeds
