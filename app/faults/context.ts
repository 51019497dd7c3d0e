/** What the API's faults are built with (from app/config.ts and the metrics). */
export interface FaultContext {
  memoryCapBytes: number;
  dbSlowDefaultMs: number;
  onLeakChange: (bytes: number) => void;
  random?: () => number;
}
