/**
 * Sticky arm assignment: a stable hash of the experiment's name and the user (the
 * request id when there is no user) decides the arm, so a user keeps the same arm
 * across requests, restarts and replicas without any shared state.
 */
import { hashString } from "../features/hash.js";

export type Arm = "champion" | "challenger";

/** A number in [0, 1) fixed for this experiment and key. */
export function assignmentPoint(experiment: string, key: string): number {
  return hashString(`${experiment}\u0000${key}`, 0x5eed) / 2 ** 32;
}

/** In an `ab` experiment, `traffic` is the challenger's share of users. */
export function assignArm(experiment: string, key: string, traffic: number): Arm {
  return assignmentPoint(experiment, key) < traffic ? "challenger" : "champion";
}
