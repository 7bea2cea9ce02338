/**
 * Models and datasets from the HuggingFace hub, in huggingface_hub's own cache layout so Python and
 * this harness share downloads: {@link org.peftbench.harness.hub.HubDownloader} fills {@link
 * org.peftbench.harness.hub.HubCache} ({@code refs/}, {@code blobs/<etag>}, {@code
 * snapshots/<commit>/} links) as {@code snapshot_download} does, checking every file against its
 * ETag ({@link org.peftbench.harness.hub.Checksums}); {@link org.peftbench.harness.hub.HubId} names
 * a repository and revision, {@link org.peftbench.harness.hub.HubSettings} the endpoint, token and
 * cache folder. Failures are a {@link org.peftbench.harness.hub.HubException} in one line.
 */
package org.peftbench.harness.hub;
