#!/bin/sh
# An image pipeline as an AWS user writes it (AWS CLI, default profile and region from the environment).
set -eu
REGION=${AWS_REGION:-eu-west-2}
SHARE_WITH=210987654321

INSTANCE=$(aws ec2 run-instances --image-id ami-0b0c0a01 --instance-type t2.micro --count 1 \
  --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=builder}]' \
  --query 'Instances[0].InstanceId' --output text)
aws ec2 wait instance-running --instance-ids "$INSTANCE"
VOLUME=$(aws ec2 describe-instances --instance-ids "$INSTANCE" \
  --query 'Reservations[0].Instances[0].BlockDeviceMappings[0].Ebs.VolumeId' --output text)

BACKUP=$(aws ec2 create-snapshot --volume-id "$VOLUME" --description "builder root, before imaging" \
  --query SnapshotId --output text)
aws ec2 wait snapshot-completed --snapshot-ids "$BACKUP"

IMAGE=$(aws ec2 create-image --instance-id "$INSTANCE" --name "builder-image" --description "golden" \
  --query ImageId --output text)
aws ec2 wait image-available --image-ids "$IMAGE"

COPY=$(aws ec2 copy-image --source-image-id "$IMAGE" --source-region "$REGION" --name "builder-image-copy" \
  --query ImageId --output text)
aws ec2 wait image-available --image-ids "$COPY"
aws ec2 modify-image-attribute --image-id "$COPY" --launch-permission "Add=[{UserId=$SHARE_WITH}]"
aws ec2 describe-image-attribute --image-id "$COPY" --attribute launchPermission \
  --query 'LaunchPermissions[].UserId' --output text

for image in "$COPY" "$IMAGE"; do
  SNAPSHOTS=$(aws ec2 describe-images --image-ids "$image" \
    --query 'Images[0].BlockDeviceMappings[].Ebs.SnapshotId' --output text)
  aws ec2 deregister-image --image-id "$image"
  for snapshot in $SNAPSHOTS; do
    aws ec2 delete-snapshot --snapshot-id "$snapshot"
  done
done
aws ec2 delete-snapshot --snapshot-id "$BACKUP"
aws ec2 terminate-instances --instance-ids "$INSTANCE" --query 'TerminatingInstances[0].CurrentState.Name' --output text
aws ec2 wait instance-terminated --instance-ids "$INSTANCE"
LEFT=$(aws ec2 describe-snapshots --owner-ids self --query 'length(Snapshots)' --output text)
echo "pipeline done: $IMAGE copied to $COPY, snapshots left: $LEFT"
