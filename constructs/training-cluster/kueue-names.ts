/** Names Kueue's objects take in every cluster: no GPU pool or team may use them. Pure data, so the schema can read it. */

/** The ClusterQueue that holds the capacity no team has, so it stays borrowable and never over-admitted. */
export const UNASSIGNED_QUEUE = "unassigned";
/** The flavor of CPU and memory, beside one flavor per GPU pool. */
export const CPU_MEMORY_FLAVOR = "cpu-memory";
