import Hyper

/// A shared component: under `_components`, so not a route.
func Layout(title: String) -> HTML {
    "<title>\(title)</title>"
}
