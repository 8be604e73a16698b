/**
 * GENERATED from proto/istio/{workload,authorization,ca}.proto and protobufjs's bundled google/protobuf types: the
 * protobufjs JSON descriptors (Root.toJSON()) the ztunnel decodes WDS and builds CA requests with, so it need not
 * load protobufjs. Do not edit: test/shared/proto/ztunnel-protos.test.ts fails when this is stale and rewrites it
 * with AMBIT_WRITE_GENERATED=1.
 */
import type { DescriptorJson } from '../wire-schema.js';

export const ZTUNNEL_PROTOS: DescriptorJson = {
  "nested": {
    "istio": {
      "nested": {
        "workload": {
          "nested": {
            "Address": {
              "oneofs": {
                "type": {
                  "oneof": [
                    "workload",
                    "service"
                  ]
                }
              },
              "fields": {
                "workload": {
                  "type": "Workload",
                  "id": 1
                },
                "service": {
                  "type": "Service",
                  "id": 2
                }
              }
            },
            "Service": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "namespace": {
                  "type": "string",
                  "id": 2
                },
                "hostname": {
                  "type": "string",
                  "id": 3
                },
                "addresses": {
                  "rule": "repeated",
                  "type": "NetworkAddress",
                  "id": 4
                },
                "ports": {
                  "rule": "repeated",
                  "type": "Port",
                  "id": 5
                },
                "subject_alt_names": {
                  "rule": "repeated",
                  "type": "string",
                  "id": 6
                },
                "waypoint": {
                  "type": "GatewayAddress",
                  "id": 7
                },
                "load_balancing": {
                  "type": "LoadBalancing",
                  "id": 8
                },
                "ip_families": {
                  "type": "IPFamilies",
                  "id": 9
                },
                "extensions": {
                  "rule": "repeated",
                  "type": "Extension",
                  "id": 10
                },
                "canonical": {
                  "type": "bool",
                  "id": 11
                },
                "ingress_use_waypoint": {
                  "type": "bool",
                  "id": 12
                },
                "weighted_waypoints": {
                  "rule": "repeated",
                  "type": "WeightedWaypoint",
                  "id": 13
                },
                "visibility": {
                  "type": "Visibility",
                  "id": 14
                }
              },
              "nested": {
                "Visibility": {
                  "values": {
                    "PUBLIC": 0,
                    "NAMESPACE": 1
                  }
                }
              }
            },
            "WeightedWaypoint": {
              "fields": {
                "destination": {
                  "type": "GatewayAddress",
                  "id": 1
                },
                "weight": {
                  "type": "uint32",
                  "id": 2
                }
              }
            },
            "LoadBalancing": {
              "fields": {
                "routing_preference": {
                  "rule": "repeated",
                  "type": "Scope",
                  "id": 1
                },
                "mode": {
                  "type": "Mode",
                  "id": 2
                },
                "health_policy": {
                  "type": "HealthPolicy",
                  "id": 3
                }
              },
              "nested": {
                "Scope": {
                  "values": {
                    "UNSPECIFIED_SCOPE": 0,
                    "REGION": 1,
                    "ZONE": 2,
                    "SUBZONE": 3,
                    "NODE": 4,
                    "CLUSTER": 5,
                    "NETWORK": 6
                  }
                },
                "Mode": {
                  "values": {
                    "UNSPECIFIED_MODE": 0,
                    "STRICT": 1,
                    "FAILOVER": 2,
                    "PASSTHROUGH": 3
                  }
                },
                "HealthPolicy": {
                  "values": {
                    "ONLY_HEALTHY": 0,
                    "ALLOW_ALL": 1
                  }
                }
              }
            },
            "IPFamilies": {
              "values": {
                "AUTOMATIC": 0,
                "IPV4_ONLY": 1,
                "IPV6_ONLY": 2,
                "DUAL": 3
              }
            },
            "NetworkMode": {
              "values": {
                "STANDARD": 0,
                "HOST_NETWORK": 1
              }
            },
            "Workload": {
              "fields": {
                "uid": {
                  "type": "string",
                  "id": 20
                },
                "name": {
                  "type": "string",
                  "id": 1
                },
                "namespace": {
                  "type": "string",
                  "id": 2
                },
                "addresses": {
                  "rule": "repeated",
                  "type": "bytes",
                  "id": 3
                },
                "hostname": {
                  "type": "string",
                  "id": 21
                },
                "network": {
                  "type": "string",
                  "id": 4
                },
                "tunnel_protocol": {
                  "type": "TunnelProtocol",
                  "id": 5
                },
                "trust_domain": {
                  "type": "string",
                  "id": 6
                },
                "service_account": {
                  "type": "string",
                  "id": 7
                },
                "waypoint": {
                  "type": "GatewayAddress",
                  "id": 8
                },
                "network_gateway": {
                  "type": "GatewayAddress",
                  "id": 19
                },
                "node": {
                  "type": "string",
                  "id": 9
                },
                "canonical_name": {
                  "type": "string",
                  "id": 10
                },
                "canonical_revision": {
                  "type": "string",
                  "id": 11
                },
                "workload_type": {
                  "type": "WorkloadType",
                  "id": 12
                },
                "workload_name": {
                  "type": "string",
                  "id": 13
                },
                "native_tunnel": {
                  "type": "bool",
                  "id": 14
                },
                "application_tunnel": {
                  "type": "ApplicationTunnel",
                  "id": 23
                },
                "services": {
                  "keyType": "string",
                  "type": "PortList",
                  "id": 22
                },
                "authorization_policies": {
                  "rule": "repeated",
                  "type": "string",
                  "id": 16
                },
                "status": {
                  "type": "WorkloadStatus",
                  "id": 17
                },
                "cluster_id": {
                  "type": "string",
                  "id": 18
                },
                "locality": {
                  "type": "Locality",
                  "id": 24
                },
                "network_mode": {
                  "type": "NetworkMode",
                  "id": 25
                },
                "extensions": {
                  "rule": "repeated",
                  "type": "Extension",
                  "id": 26
                },
                "capacity": {
                  "type": "google.protobuf.UInt32Value",
                  "id": 27
                }
              },
              "reserved": [
                [
                  15,
                  15
                ]
              ]
            },
            "Locality": {
              "fields": {
                "region": {
                  "type": "string",
                  "id": 1
                },
                "zone": {
                  "type": "string",
                  "id": 2
                },
                "subzone": {
                  "type": "string",
                  "id": 3
                }
              }
            },
            "WorkloadStatus": {
              "values": {
                "HEALTHY": 0,
                "UNHEALTHY": 1
              }
            },
            "WorkloadType": {
              "values": {
                "DEPLOYMENT": 0,
                "CRONJOB": 1,
                "POD": 2,
                "JOB": 3
              }
            },
            "PortList": {
              "fields": {
                "ports": {
                  "rule": "repeated",
                  "type": "Port",
                  "id": 1
                }
              }
            },
            "Port": {
              "fields": {
                "service_port": {
                  "type": "uint32",
                  "id": 1
                },
                "target_port": {
                  "type": "uint32",
                  "id": 2
                },
                "app_protocol": {
                  "type": "AppProtocol",
                  "id": 3
                }
              }
            },
            "AppProtocol": {
              "values": {
                "UNKNOWN": 0,
                "HTTP11": 1,
                "HTTP2": 2,
                "GRPC": 3,
                "TCP": 4,
                "TLS": 5
              }
            },
            "TunnelProtocol": {
              "values": {
                "NONE": 0,
                "HBONE": 1,
                "LEGACY_ISTIO_MTLS": 2
              }
            },
            "ApplicationTunnel": {
              "fields": {
                "protocol": {
                  "type": "Protocol",
                  "id": 1
                },
                "port": {
                  "type": "uint32",
                  "id": 2
                }
              },
              "nested": {
                "Protocol": {
                  "values": {
                    "NONE": 0,
                    "PROXY": 1
                  }
                }
              }
            },
            "GatewayAddress": {
              "oneofs": {
                "destination": {
                  "oneof": [
                    "hostname",
                    "address"
                  ]
                }
              },
              "fields": {
                "hostname": {
                  "type": "NamespacedHostname",
                  "id": 1
                },
                "address": {
                  "type": "NetworkAddress",
                  "id": 2
                },
                "hbone_mtls_port": {
                  "type": "uint32",
                  "id": 3
                }
              },
              "reserved": [
                [
                  4,
                  4
                ],
                "hbone_single_tls_port"
              ]
            },
            "NamespacedHostname": {
              "fields": {
                "namespace": {
                  "type": "string",
                  "id": 1
                },
                "hostname": {
                  "type": "string",
                  "id": 2
                }
              }
            },
            "NetworkAddress": {
              "oneofs": {
                "_length": {
                  "oneof": [
                    "length"
                  ]
                }
              },
              "fields": {
                "network": {
                  "type": "string",
                  "id": 1
                },
                "address": {
                  "type": "bytes",
                  "id": 2
                },
                "length": {
                  "type": "uint32",
                  "id": 3,
                  "options": {
                    "proto3_optional": true
                  }
                }
              }
            },
            "Extension": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "config": {
                  "type": "google.protobuf.Any",
                  "id": 2
                }
              }
            }
          }
        },
        "security": {
          "nested": {
            "Authorization": {
              "fields": {
                "name": {
                  "type": "string",
                  "id": 1
                },
                "namespace": {
                  "type": "string",
                  "id": 2
                },
                "scope": {
                  "type": "Scope",
                  "id": 3
                },
                "action": {
                  "type": "Action",
                  "id": 4
                },
                "groups": {
                  "rule": "repeated",
                  "type": "Group",
                  "id": 5
                },
                "dry_run": {
                  "type": "bool",
                  "id": 6
                },
                "extensions": {
                  "rule": "repeated",
                  "type": "istio.workload.Extension",
                  "id": 7
                }
              }
            },
            "Group": {
              "fields": {
                "rules": {
                  "rule": "repeated",
                  "type": "Rules",
                  "id": 1
                }
              }
            },
            "Rules": {
              "fields": {
                "matches": {
                  "rule": "repeated",
                  "type": "Match",
                  "id": 2
                }
              }
            },
            "Match": {
              "fields": {
                "namespaces": {
                  "rule": "repeated",
                  "type": "StringMatch",
                  "id": 1
                },
                "not_namespaces": {
                  "rule": "repeated",
                  "type": "StringMatch",
                  "id": 2
                },
                "principals": {
                  "rule": "repeated",
                  "type": "StringMatch",
                  "id": 3
                },
                "not_principals": {
                  "rule": "repeated",
                  "type": "StringMatch",
                  "id": 4
                },
                "source_ips": {
                  "rule": "repeated",
                  "type": "Address",
                  "id": 5
                },
                "not_source_ips": {
                  "rule": "repeated",
                  "type": "Address",
                  "id": 6
                },
                "destination_ips": {
                  "rule": "repeated",
                  "type": "Address",
                  "id": 7
                },
                "not_destination_ips": {
                  "rule": "repeated",
                  "type": "Address",
                  "id": 8
                },
                "destination_ports": {
                  "rule": "repeated",
                  "type": "uint32",
                  "id": 9
                },
                "not_destination_ports": {
                  "rule": "repeated",
                  "type": "uint32",
                  "id": 10
                },
                "service_accounts": {
                  "rule": "repeated",
                  "type": "ServiceAccountMatch",
                  "id": 11
                },
                "not_service_accounts": {
                  "rule": "repeated",
                  "type": "ServiceAccountMatch",
                  "id": 12
                },
                "extensions": {
                  "rule": "repeated",
                  "type": "istio.workload.Extension",
                  "id": 13
                }
              }
            },
            "Address": {
              "fields": {
                "address": {
                  "type": "bytes",
                  "id": 1
                },
                "length": {
                  "type": "uint32",
                  "id": 2
                }
              }
            },
            "ServiceAccountMatch": {
              "fields": {
                "namespace": {
                  "type": "string",
                  "id": 1
                },
                "serviceAccount": {
                  "type": "string",
                  "id": 2
                }
              }
            },
            "StringMatch": {
              "oneofs": {
                "match_type": {
                  "oneof": [
                    "exact",
                    "prefix",
                    "suffix",
                    "presence"
                  ]
                }
              },
              "fields": {
                "exact": {
                  "type": "string",
                  "id": 1
                },
                "prefix": {
                  "type": "string",
                  "id": 2
                },
                "suffix": {
                  "type": "string",
                  "id": 3
                },
                "presence": {
                  "type": "google.protobuf.Empty",
                  "id": 4
                }
              }
            },
            "Scope": {
              "values": {
                "GLOBAL": 0,
                "NAMESPACE": 1,
                "WORKLOAD_SELECTOR": 2
              }
            },
            "Action": {
              "values": {
                "ALLOW": 0,
                "DENY": 1
              }
            }
          }
        },
        "v1": {
          "nested": {
            "auth": {
              "nested": {
                "IstioCertificateRequest": {
                  "fields": {
                    "csr": {
                      "type": "string",
                      "id": 1
                    },
                    "validity_duration": {
                      "type": "int64",
                      "id": 3
                    },
                    "metadata": {
                      "type": "google.protobuf.Struct",
                      "id": 4
                    }
                  }
                },
                "IstioCertificateResponse": {
                  "fields": {
                    "cert_chain": {
                      "rule": "repeated",
                      "type": "string",
                      "id": 1
                    }
                  }
                },
                "IstioCertificateService": {
                  "methods": {
                    "CreateCertificate": {
                      "requestType": "IstioCertificateRequest",
                      "responseType": "IstioCertificateResponse"
                    }
                  }
                }
              }
            }
          }
        }
      }
    },
    "google": {
      "nested": {
        "protobuf": {
          "nested": {
            "Any": {
              "fields": {
                "type_url": {
                  "type": "string",
                  "id": 1
                },
                "value": {
                  "type": "bytes",
                  "id": 2
                }
              }
            },
            "UInt32Value": {
              "fields": {
                "value": {
                  "type": "uint32",
                  "id": 1
                }
              }
            },
            "Empty": {
              "fields": {}
            },
            "Struct": {
              "fields": {
                "fields": {
                  "keyType": "string",
                  "type": "Value",
                  "id": 1
                }
              }
            },
            "Value": {
              "oneofs": {
                "kind": {
                  "oneof": [
                    "nullValue",
                    "numberValue",
                    "stringValue",
                    "boolValue",
                    "structValue",
                    "listValue"
                  ]
                }
              },
              "fields": {
                "nullValue": {
                  "type": "NullValue",
                  "id": 1
                },
                "numberValue": {
                  "type": "double",
                  "id": 2
                },
                "stringValue": {
                  "type": "string",
                  "id": 3
                },
                "boolValue": {
                  "type": "bool",
                  "id": 4
                },
                "structValue": {
                  "type": "Struct",
                  "id": 5
                },
                "listValue": {
                  "type": "ListValue",
                  "id": 6
                }
              }
            },
            "NullValue": {
              "values": {
                "NULL_VALUE": 0
              }
            },
            "ListValue": {
              "fields": {
                "values": {
                  "rule": "repeated",
                  "type": "Value",
                  "id": 1
                }
              }
            }
          }
        }
      }
    }
  }
};
