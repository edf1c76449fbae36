// The AWS SDK for JavaScript v3 (@aws-sdk/client-ec2) driven against the gateway, unchanged: every
// operation the shim translates, a waiter, a paginator and EC2's error names.
// Input: one JSON argument (endpoint, snapshotId, manifestUrl, diskUrl, vmId, owner, otherAccount, bucket).
// Output: one JSON object on stdout, step name -> {value} or {error: {name, message, status}};
// tests/clients/test_client_js.py asserts each step.
import * as ec2 from "@aws-sdk/client-ec2";

const cfg = JSON.parse(process.argv[2]);
const client = new ec2.EC2Client({
  endpoint: cfg.endpoint,
  region: "eu-west-2",
  maxAttempts: 1,
  // credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the sandboxed environment
});
const report = {};

async function step(name, run) {
  try {
    report[name] = { value: await run() };
  } catch (err) {
    report[name] = { error: { name: err.name, message: err.message, status: err.$metadata?.httpStatusCode } };
  }
  return report[name].value;
}
const send = (Command, input) => client.send(new Command(input));
const bdm = [{ DeviceName: "/dev/sda1", Ebs: { SnapshotId: cfg.snapshotId, VolumeSize: 10 } }];

const registered = await step("RegisterImage", async () => (await send(ec2.RegisterImageCommand, {
  Name: "js-from-snapshot", Description: "registered by the JS SDK", Architecture: "x86_64",
  RootDeviceName: "/dev/sda1", BlockDeviceMappings: bdm, VirtualizationType: "hvm", EnaSupport: false,
  SriovNetSupport: "simple",
  TagSpecifications: [{ ResourceType: "image", Tags: [{ Key: "app", Value: "js" }] }],
})).ImageId);
await step("RegisterImage manifest", async () => (await send(ec2.RegisterImageCommand, {
  Name: "js-from-manifest", ImageLocation: cfg.manifestUrl })).ImageId);

await step("waitUntilImageAvailable", async () => (await ec2.waitUntilImageAvailable(
  { client, minDelay: 1, maxDelay: 2, maxWaitTime: 60 }, { ImageIds: [registered] })).state);

await step("DescribeImages", async () => {
  const image = (await send(ec2.DescribeImagesCommand, { ImageIds: [registered] })).Images[0];
  return { State: image.State, Name: image.Name, SriovNetSupport: image.SriovNetSupport ?? null,
           BootMode: image.BootMode ?? null, Tags: image.Tags, RootDeviceType: image.RootDeviceType };
});
await step("DescribeImages manifest location", async () => (await send(ec2.DescribeImagesCommand, {
  Owners: ["self"], Filters: [{ Name: "name", Values: ["js-from-manifest"] }] })).Images.map((i) => i.ImageLocation));

await step("CreateImage", async () => (await send(ec2.CreateImageCommand, {
  InstanceId: cfg.vmId, Name: "js-from-vm", NoReboot: true })).ImageId);
const copy = await step("CopyImage", async () => (await send(ec2.CopyImageCommand, {
  SourceImageId: registered, SourceRegion: "eu-west-2", Name: "js-copy", CopyImageTags: true })).ImageId);

await step("paginateDescribeImages", async () => {
  const ids = [];
  let pages = 0;
  for await (const page of ec2.paginateDescribeImages({ client, pageSize: 1 },
                                                      { Owners: [cfg.owner], Filters: [{ Name: "name", Values: ["js-*"] }] })) {
    pages += 1;
    ids.push(...page.Images.map((i) => i.ImageId));
  }
  return { pages, ids };
});

await step("CreateTags", async () => { await send(ec2.CreateTagsCommand, {
  Resources: [registered], Tags: [{ Key: "stage", Value: "one" }, { Key: "empty" }] }); return true; });
await step("DeleteTags", async () => { await send(ec2.DeleteTagsCommand, {
  Resources: [registered], Tags: [{ Key: "empty" }] }); return true; });
await step("tags after", async () => (await send(ec2.DescribeImagesCommand, { ImageIds: [registered] })).Images[0].Tags);

await step("ModifyImageAttribute", async () => {
  await send(ec2.ModifyImageAttributeCommand, { ImageId: registered, Attribute: "Description",
                                                Description: { Value: "changed by the JS SDK" } });
  await send(ec2.ModifyImageAttributeCommand, { ImageId: registered,
                                                LaunchPermission: { Add: [{ UserId: cfg.otherAccount }] } });
  return true;
});
await step("DescribeImageAttribute", async () => {
  const desc = await send(ec2.DescribeImageAttributeCommand, { ImageId: registered, Attribute: "description" });
  const perms = await send(ec2.DescribeImageAttributeCommand, { ImageId: registered, Attribute: "launchPermission" });
  return { Description: desc.Description, LaunchPermissions: perms.LaunchPermissions };
});
await step("ResetImageAttribute", async () => {
  await send(ec2.ResetImageAttributeCommand, { ImageId: registered, Attribute: "launchPermission" });
  return (await send(ec2.DescribeImageAttributeCommand, { ImageId: registered, Attribute: "launchPermission" }))
    .LaunchPermissions;
});

const task = await step("ExportImage", async () => (await send(ec2.ExportImageCommand, {
  ImageId: registered, DiskImageFormat: "RAW", S3ExportLocation: { S3Bucket: cfg.bucket, S3Prefix: "js/" } }))
  .ExportImageTaskId);
await step("DescribeExportImageTasks", async () => (await send(ec2.DescribeExportImageTasksCommand, {
  ExportImageTaskIds: [task] })).ExportImageTasks.map((t) => t.ExportImageTaskId));
await step("CancelExportTask", async () => { await send(ec2.CancelExportTaskCommand, { ExportTaskId: task }); return true; });

await step("DeregisterImage", async () => { await send(ec2.DeregisterImageCommand, { ImageId: copy }); return true; });
await step("DescribeImages deregistered", async () => (await send(ec2.DescribeImagesCommand, { ImageIds: [copy] })).Images);

// The snapshot half, through OAPI; the volume is read through FCU (the emulator's face: one world).
const volume = await step("_DescribeVolumes", async () => (await send(ec2.DescribeVolumesCommand, {}))
  .Volumes[0].VolumeId);
const snap = await step("CreateSnapshot", async () => (await send(ec2.CreateSnapshotCommand, {
  VolumeId: volume, Description: "js snapshot",
  TagSpecifications: [{ ResourceType: "snapshot", Tags: [{ Key: "app", Value: "js" }] }] })).SnapshotId);
await step("waitUntilSnapshotCompleted", async () => (await ec2.waitUntilSnapshotCompleted(
  { client, minDelay: 1, maxDelay: 2, maxWaitTime: 60 }, { SnapshotIds: [snap] })).state);
const snapCopy = await step("CopySnapshot", async () => (await send(ec2.CopySnapshotCommand, {
  SourceSnapshotId: snap, SourceRegion: "eu-west-2", Description: "js copy" })).SnapshotId);
await step("ImportSnapshot", async () => (await send(ec2.ImportSnapshotCommand, {
  DiskContainer: { Url: cfg.diskUrl, Format: "RAW" }, ClientData: { UploadSize: 3 } })).SnapshotTaskDetail);
await step("DescribeSnapshots", async () => (await send(ec2.DescribeSnapshotsCommand, {
  OwnerIds: ["self"], Filters: [{ Name: "description", Values: ["js *"] }] })).Snapshots.map((x) => x.SnapshotId).sort());
await step("ModifySnapshotAttribute", async () => { await send(ec2.ModifySnapshotAttributeCommand, {
  SnapshotId: snap, Attribute: "createVolumePermission", OperationType: "add", UserIds: [cfg.otherAccount] });
  return true; });
await step("DescribeSnapshotAttribute", async () => (await send(ec2.DescribeSnapshotAttributeCommand, {
  SnapshotId: snap, Attribute: "createVolumePermission" })).CreateVolumePermissions);
await step("ResetSnapshotAttribute", async () => { await send(ec2.ResetSnapshotAttributeCommand, {
  SnapshotId: snap, Attribute: "createVolumePermission" }); return true; });
await step("DescribeTags", async () => (await send(ec2.DescribeTagsCommand, {
  Filters: [{ Name: "resource-id", Values: [snap] }] })).Tags.map((t) => [t.ResourceType, t.Key, t.Value]));
await step("DeleteSnapshot", async () => { await send(ec2.DeleteSnapshotCommand, { SnapshotId: snapCopy }); return true; });
await step("error DescribeSnapshots deleted", () => send(ec2.DescribeSnapshotsCommand, { SnapshotIds: [snapCopy] }));

// EC2's error names, as the SDK exposes them (err.name).
await step("error DeregisterImage again", () => send(ec2.DeregisterImageCommand, { ImageId: copy }));
await step("error DescribeImages unknown", () => send(ec2.DescribeImagesCommand, { ImageIds: ["ami-0000beef"] }));
await step("error DescribeImages malformed", () => send(ec2.DescribeImagesCommand, { ImageIds: ["ami-xyz"] }));
await step("error CreateTags invalid id", () => send(ec2.CreateTagsCommand, {
  Resources: ["blah-blah"], Tags: [{ Key: "k", Value: "v" }] }));
await step("error RegisterImage duplicate", () => send(ec2.RegisterImageCommand, {
  Name: "js-from-snapshot", Architecture: "x86_64", RootDeviceName: "/dev/sda1", BlockDeviceMappings: bdm }));
await step("error ModifyImageAttribute group", () => send(ec2.ModifyImageAttributeCommand, {
  ImageId: registered, LaunchPermission: { Add: [{ Group: "friends" }] } }));
await step("error RegisterImage dry run", () => send(ec2.RegisterImageCommand, {
  Name: "js-dry", Architecture: "x86_64", RootDeviceName: "/dev/sda1", BlockDeviceMappings: bdm, DryRun: true }));
await step("error RegisterImage ena", () => send(ec2.RegisterImageCommand, {
  Name: "js-ena", RootDeviceName: "/dev/sda1", BlockDeviceMappings: bdm, EnaSupport: true }));

process.stdout.write(JSON.stringify(report));
