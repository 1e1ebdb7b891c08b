import { version } from "../../package.json";

/** The blueprint's version, tagged on every resource. From package.json so a release changes it once. */
export const BLUEPRINT_VERSION: string = version;
