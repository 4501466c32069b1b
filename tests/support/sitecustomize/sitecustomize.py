# Put on PYTHONPATH of every `smt` subprocess the tests and benchmarks start: `smt run` probes a
# public internet address to decide whether the machine is online, and nothing may leave this
# machine. `sumatra.launch` imports the function by name, so it must be replaced before that import.
try:
    import sumatra.core
except ImportError:
    pass
else:
    sumatra.core.have_internet_connection = lambda: False
