/// The Locally Registered PNRP ID List ([MS-PNRP] 3.2.1): the node's registrations in registration order.
///
/// A node registers one or a few IDs, so they are kept in a plain array searched by ID, read and written
/// like a dictionary keyed by ID. (A dictionary holding one registration kept room for two.)
struct LocalRegistrationList: Sendable {
    /// The registrations, in registration order.
    private(set) var values: [LocalRegistration] = []

    /// The registration of `id`; setting nil removes it, setting another value replaces it or appends it.
    subscript(id: PNRPID) -> LocalRegistration? {
        get { index(of: id).map { values[$0] } }
        set {
            switch (index(of: id), newValue) {
            case (let i?, let reg?): values[i] = reg
            case (let i?, nil): values.remove(at: i)
            case (nil, let reg?): values.append(reg)
            case (nil, nil): break
            }
        }
    }

    /// The route entry of `id`'s registration at `endpoint`, read in place (no copy of the registration).
    func routeEntry(of id: PNRPID, at endpoint: IPv6Endpoint) -> RouteEntry? {
        guard let i = index(of: id) else { return nil }
        return values[i].routeEntry(at: endpoint)
    }

    /// The position of `id`'s registration in `values`.
    func index(of id: PNRPID) -> Int? { values.firstIndex { $0.id == id } }

    /// Changes the registration at `index` in place (no copy of the registration).
    mutating func modify<R>(at index: Int, _ body: (inout LocalRegistration) -> R) -> R { body(&values[index]) }

    /// Removes and returns the registration of `id`.
    @discardableResult
    mutating func removeValue(forKey id: PNRPID) -> LocalRegistration? {
        guard let i = index(of: id) else { return nil }
        return values.remove(at: i)
    }
}
