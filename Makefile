# Hyper's entry points. `make demo` and `make test` are the README's two quick-start commands.
.PHONY: demo test bench build format

demo:
	scripts/demo

test:
	scripts/install-dependencies --browser
	scripts/fetch-htmx
	swift build --product hyper-demo
	swift test

bench:
	Benchmarks/run

build:
	swift build

format:
	swift format --in-place --recursive Sources Plugins Tests Package.swift
