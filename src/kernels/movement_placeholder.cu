namespace rill::kernels {}
