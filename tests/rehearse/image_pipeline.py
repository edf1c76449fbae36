"""The same image pipeline as a boto3 program: not one OUTSCALE-specific line (endpoint and profile from the
environment, as AWS_ENDPOINT_URL_EC2 and AWS_PROFILE give them)."""

import boto3

ec2 = boto3.client("ec2")
region = ec2.meta.region_name
waiter_config = {"Delay": 1, "MaxAttempts": 30}

instance = ec2.run_instances(ImageId="ami-0b0c0a01", InstanceType="t2.micro", MinCount=1, MaxCount=1)
instance_id = instance["Instances"][0]["InstanceId"]
ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id], WaiterConfig=waiter_config)
described = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
volume_id = described["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]

backup = ec2.create_snapshot(VolumeId=volume_id, Description="before imaging",
                             TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "kind", "Value": "backup"}]}])
ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[backup["SnapshotId"]], WaiterConfig=waiter_config)

image_id = ec2.create_image(InstanceId=instance_id, Name="boto3-image")["ImageId"]
ec2.get_waiter("image_available").wait(ImageIds=[image_id], WaiterConfig=waiter_config)
copy_id = ec2.copy_image(SourceImageId=image_id, SourceRegion=region, Name="boto3-image-copy")["ImageId"]
ec2.get_waiter("image_available").wait(ImageIds=[copy_id], WaiterConfig=waiter_config)
ec2.modify_image_attribute(ImageId=copy_id, LaunchPermission={"Add": [{"UserId": "210987654321"}]})

tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [backup["SnapshotId"]]}])["Tags"]
assert [(t["Key"], t["Value"]) for t in tags] == [("kind", "backup")], tags

for image in (copy_id, image_id):
    snapshots = [m["Ebs"]["SnapshotId"] for m in
                 ec2.describe_images(ImageIds=[image])["Images"][0]["BlockDeviceMappings"] if "Ebs" in m]
    ec2.deregister_image(ImageId=image)
    for snapshot_id in snapshots:
        ec2.delete_snapshot(SnapshotId=snapshot_id)
ec2.delete_snapshot(SnapshotId=backup["SnapshotId"])
ec2.terminate_instances(InstanceIds=[instance_id])
ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance_id], WaiterConfig=waiter_config)
left = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
print(f"pipeline done: {image_id} copied to {copy_id}, snapshots left: {len(left)}")
