module github.com/mlite/mlite

go 1.26

require (
	github.com/google/uuid v1.6.0
	github.com/klauspost/compress v1.20.4
	go.etcd.io/bbolt v1.4.3
	go.uber.org/goleak v1.3.0
	go.yaml.in/yaml/v3 v3.0.6
	golang.org/x/sys v0.29.0
)
