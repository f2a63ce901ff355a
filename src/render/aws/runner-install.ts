/** Where the Packer image installs the actions runner on an EC2 runner, and the user jobs run as. */
export const RUNNER_INSTALL_DIR = "/opt/actions-runner";
export const RUNNER_USER = "runner";
