# Hyper's entry points. `make demo` and `make test` are the README's two quick-start commands.
.PHONY: demo cluster-demo test bench fuzz build format

demo:
	scripts/demo

# Three instances sharing live topics through a private PostgreSQL, behind one nginx upstream.
cluster-demo:
	scripts/cluster-demo

# The security and protocol tests run against the release build that docs/DEPLOYMENT.md deploys.
test:
	scripts/install-dependencies --browser
	scripts/fetch-htmx
	swift build --product hyper-demo
	swift build -c release --static-swift-stdlib --product hyper-demo
	scripts/run-tests

bench:
	Benchmarks/run

# libFuzzer over the check on every byte libfcgi reads, then over the SCGI request parser;
# FUZZ_SECONDS=3600 make fuzz for longer (each).
fuzz:
	scripts/fuzz-fastcgi-input $${FUZZ_SECONDS:-300}
	scripts/fuzz-scgi-input $${FUZZ_SECONDS:-300}

build:
	swift build

format:
	swift format --in-place --recursive Sources Plugins Tests Package.swift
