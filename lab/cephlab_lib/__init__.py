"""cephlab: a real multi-node Ceph cluster on one machine, with real fault injection."""
