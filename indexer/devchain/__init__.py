"""A local chain for the demo, the tests and the benches: anvil from node_modules, and the
contracts deployed by ``scripts/deploy.py`` (brownie's environment). Source checkouts only."""
