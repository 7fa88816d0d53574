"""The signed evidence pack: the platform's Ed25519 key (keys.py), the pack's ZIP, its signature
and its verification (pack.py), the public key at a well-known address (views.py), and the
``evidence`` commands (cli.py). What goes into a pack is decided by the feature that builds one,
which calls :func:`course.evidence.pack.write_pack` with its files."""
