/// How a site reaches the internet: the NAT behaviours of RFC 4787 (mapping and filtering), for UDP and TCP,
/// made by nftables on the site's router; or no NAT at all (a public host, for symmetry in tables).
public enum NATKind: String, CaseIterable, Sendable, CustomStringConvertible {
    /// No router: the host is on the internet itself.
    case none
    /// Endpoint-independent mapping (the inside port kept), endpoint-independent filtering: once the inside
    /// host sent from port p, anyone may send to WAN:p and reach it.
    case fullCone
    /// Endpoint-independent mapping, address-dependent filtering: only from addresses the inside host sent to
    /// (from any of their ports).
    case addressRestricted
    /// Endpoint-independent mapping, address-and-port-dependent filtering: only from the endpoints the inside
    /// host sent to (Linux conntrack's `masquerade`).
    case portRestricted
    /// Endpoint-dependent mapping (another external port for each destination), address-and-port-dependent
    /// filtering.
    case symmetric

    public var description: String { rawValue }

    /// Whether the inside host keeps one external endpoint whatever it sends to (RFC 4787 EIM).
    public var endpointIndependentMapping: Bool { self != .symmetric }

    /// Whether an endpoint the inside host did not send to, on an address it did send to, gets through.
    public var admitsOtherPortsOfContactedAddresses: Bool { self == .none || self == .fullCone || self == .addressRestricted }

    /// Whether an address the inside host never sent to gets through (to a port it sent from).
    public var admitsUncontactedAddresses: Bool { self == .none || self == .fullCone }

    /// Whether two hosts behind `a` and `b`, each told the other's external endpoint as a rendezvous host saw
    /// it, reach each other by hole punching: with UDP by both sending at once (and answering where datagrams
    /// came from); with TCP by both connecting at once from the port of their connection to the rendezvous host
    /// while also listening on it (SO_REUSEPORT), so that a SYN that comes before the own connect meets the
    /// listener, not a reset. Fails only when one side's mapping changes per destination while the other side
    /// admits only the endpoint it sent to (symmetric with port-restricted or symmetric): such pairs need a relay.
    public static func holePunchWorks(_ a: NATKind, _ b: NATKind) -> Bool {
        func blocks(_ x: NATKind, _ y: NATKind) -> Bool { x == .symmetric && (y == .symmetric || y == .portRestricted) }
        return !blocks(a, b) && !blocks(b, a)
    }

    /// The nftables ruleset of a router of this kind (nil for `none`): interfaces `wan` (the internet) and
    /// `lan`, the one inside host at `host`. Mappings and filters are forgotten 120 s after the last datagram
    /// out (conntrack's own timeouts for the replies of a connection).
    public func routerRules(host: String) -> String? {
        let update: String, inbound: String, sets: String
        switch self {
        case .none:
            return nil
        case .fullCone:
            sets = "set mapped { type inet_proto . inet_service; flags timeout; timeout 120s; }"
            update = #"iifname "lan" oifname "wan" meta l4proto { tcp, udp } update @mapped { meta l4proto . th sport }"#
            inbound = #"iifname "wan" meta l4proto . th dport @mapped dnat ip to \#(host)"#
        case .addressRestricted:
            sets = "set contacted { type inet_proto . inet_service . ipv4_addr; flags timeout; timeout 120s; }"
            update = #"iifname "lan" oifname "wan" meta l4proto { tcp, udp } update @contacted { meta l4proto . th sport . ip daddr }"#
            inbound = #"iifname "wan" meta l4proto . th dport . ip saddr @contacted dnat ip to \#(host)"#
        case .portRestricted, .symmetric:
            sets = ""
            update = ""
            inbound = ""
        }
        let masquerade = self == .symmetric ? "masquerade fully-random" : "masquerade"
        return """
            table ip natlab {
                \(sets)
                chain prerouting {
                    type nat hook prerouting priority dstnat; policy accept;
                    \(inbound)
                }
                chain postrouting {
                    type nat hook postrouting priority srcnat; policy accept;
                    oifname "wan" \(masquerade)
                }
                chain forward {
                    type filter hook forward priority filter; policy drop;
                    \(update)
                    iifname "lan" oifname "wan" accept
                    ct state established,related accept
                    iifname "wan" oifname "lan" ct status dnat accept
                }
                chain input {
                    type filter hook input priority filter; policy accept;
                    iifname "wan" ct state established,related accept
                    iifname "wan" meta l4proto icmp accept
                    iifname "wan" drop
                }
            }

            """
    }
}
