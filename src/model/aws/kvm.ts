/** Where an EC2 instance type gets the `/dev/kvm` Firecracker needs. */

/** How the instance type gives Firecracker `/dev/kvm`. */
export type AwsKvmSource = "nested-virtualization" | "bare-metal";

/** Instance families whose virtual instances offer nested virtualization (Intel Xeon 6). */
const NESTED_VIRT_FAMILIES = /^(c8i|c8i-flex|c8id|m8i|m8i-flex|r8i|r8i-flex)\.(large|\d*xlarge)$/;
/** EC2 family prefixes (`c`, `m`, `r`, `im`, `inf`, `trn`, `u-`, ...): a bare-metal type of another family does not exist. */
const METAL = /^(?:a|c|d|dl|f|g|gr|h|hpc|i|im|inf|is|m|mac|p|r|t|trn|vt|x|z)\d[a-z0-9-]*\.metal(-\d+xl)?$|^u-\d+tb\d\.metal$/;

/** Where `/dev/kvm` comes from on an instance type, or undefined when it has none. */
export function kvmSource(instanceType: string): AwsKvmSource | undefined {
  if (METAL.test(instanceType)) return "bare-metal";
  if (NESTED_VIRT_FAMILIES.test(instanceType)) return "nested-virtualization";
  return undefined;
}
