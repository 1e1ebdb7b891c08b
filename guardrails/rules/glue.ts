/** Glue Data Catalog: metadata and connection passwords encrypted with a customer-managed key. */
import { Rule, compliant, nonCompliant } from "../rule";
import { block, bool, defineRule, dig, isReference, isSet, shown } from "./attributes";

const SETTINGS = "aws_glue_data_catalog_encryption_settings";
const KMS_MODES = new Set(["SSE-KMS", "SSE-KMS-WITH-SERVICE-ROLE"]);

const catalogEncrypted = defineRule({
  id: "MLB-GLUE-001",
  severity: "error",
  resourceTypes: [SETTINGS],
  rationale: "The catalog describes every feature table (names, columns, S3 locations); SSE-KMS with a customer-managed key keeps it as protected as the data.",
  publicChecks: ["CKV_AWS_94"],
  check(settings) {
    const atRest = block(dig(settings.attributes, "data_catalog_encryption_settings", "encryption_at_rest"));
    const mode = atRest?.catalog_encryption_mode;
    const fix = 'set data_catalog_encryption_settings.encryption_at_rest = { catalog_encryption_mode = "SSE-KMS", sse_aws_kms_key_id = <customer-managed key ARN> }';
    if (!(typeof mode === "string" && (KMS_MODES.has(mode) || isReference(mode)))) {
      return nonCompliant(`encryption_at_rest.catalog_encryption_mode is ${shown(mode)}: the catalog's metadata is not encrypted with KMS`, fix);
    }
    if (!isSet(atRest?.sse_aws_kms_key_id)) return nonCompliant("encryption_at_rest.sse_aws_kms_key_id is not set: the catalog uses the AWS-managed key aws/glue", fix);
    return compliant;
  },
});

const connectionPasswordsEncrypted = defineRule({
  id: "MLB-GLUE-002",
  severity: "error",
  resourceTypes: [SETTINGS],
  rationale: "Connection passwords returned by the Glue API stay encrypted with a customer-managed key instead of in clear text.",
  publicChecks: ["CKV_AWS_94"],
  check(settings) {
    const passwords = block(dig(settings.attributes, "data_catalog_encryption_settings", "connection_password_encryption"));
    const encrypted = passwords?.return_connection_password_encrypted;
    const fix = "set data_catalog_encryption_settings.connection_password_encryption = { return_connection_password_encrypted = true, aws_kms_key_id = <customer-managed key ARN> }";
    if (bool(encrypted) !== true && !isReference(encrypted)) {
      return nonCompliant(`connection_password_encryption.return_connection_password_encrypted is ${shown(encrypted)}: GetConnection returns passwords in clear text`, fix);
    }
    if (!isSet(passwords?.aws_kms_key_id)) return nonCompliant("connection_password_encryption.aws_kms_key_id is not set: connection passwords are not encrypted with a customer-managed key", fix);
    return compliant;
  },
});

export const glueRules: readonly Rule[] = [catalogEncrypted, connectionPasswordsEncrypted];
