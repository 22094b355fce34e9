/** Imported first: the AWS SDK's "releases after 2027 need Node 22" notice would only clutter the output. */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
