/**
 * The control plane: the fault API's own paths. No fault ever targets them, and they are not user
 * traffic, so every SLI query leaves them out (monitoring/prometheus/rules, scenarios' PromQL).
 */
export const CONTROL_PLANE = { failures: '/api/failures', reset: '/api/reset' } as const;
export const CONTROL_PLANE_PATHS: readonly string[] = Object.values(CONTROL_PLANE);

/** The PromQL label matcher that leaves the control plane out: endpoint!~"/api/failures|/api/reset". */
export const NOT_CONTROL_PLANE = `endpoint!~"${CONTROL_PLANE_PATHS.join('|')}"`;
