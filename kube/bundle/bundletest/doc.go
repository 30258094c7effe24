// Package bundletest makes the files a bundle is built from, for tests of
// kube/bundle, kube/manifest, kube/deploy and the CLI: a reference model
// from the shared folder, a pipeline plan over N devices and a cluster
// file whose devices have node selectors. It imports graphir, importer and
// internal/testenv.
package bundletest
