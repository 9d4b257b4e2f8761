// Package layering holds no code: its test enforces the import rules of
// ../shared/design.md section 4, so the one-way flow of dependencies
// (socket → protocol → command → keyspace) cannot erode unnoticed.
package layering
