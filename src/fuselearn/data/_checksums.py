"""Known dataset files: path relative to the data root -> (sha256, size in bytes).

Taken from the benchmark collection's SHA256SUMS and MANIFEST.md; the CIFAR-10 python archive's digest is
the one the Keras and TFDS loaders pin for https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz.
"""

KNOWN_FILES: dict[str, tuple[str, int]] = {
    "MUTAG/MUTAG_A.txt": (
        "d9656ca7493f3445d737c711710bb36fd432dddd1c0ea32e1d4713c86ebd28e2",
        76940,
    ),
    "MUTAG/MUTAG_edge_labels.txt": (
        "4669ce755075ff86c3240709345745886400908fa637a49310459b9c267b3e56",
        14884,
    ),
    "MUTAG/MUTAG_graph_indicator.txt": (
        "7d520a4d6c7961c0cdeabe076d8fe27e795b6d373485c9a2b744987e560a2056",
        11532,
    ),
    "MUTAG/MUTAG_graph_labels.txt": (
        "a1518ea39ba3426bd42f57396b9c4baffe68e9adc718caeeab0119c6591a5f2c",
        439,
    ),
    "MUTAG/MUTAG_node_labels.txt": (
        "678f429965490e84dd27713017538c995fc05d1621beac910848b600015ee863",
        6742,
    ),
    "MUTAG/README.txt": (
        "66de65e4826e112482ec680bbbdf7c0af56d826ce935c110786d130b79b76b06",
        2611,
    ),
    "PROTEINS/PROTEINS_A.txt": (
        "4c4b33e272fc95cac6d27ed6d5d12b9a852c8610e91fff59f8f0dbdd5a20df67",
        2022990,
    ),
    "PROTEINS/PROTEINS_graph_indicator.txt": (
        "8d4ff1e852a5c28561e9bffb44cf9490bc552b13a3b6156dd12dc7f44e9afc4a",
        169673,
    ),
    "PROTEINS/PROTEINS_graph_labels.txt": (
        "c0ef9810c440775252872318d0c8adc385588e14bc4c47a2c34aa96ee3c7cdcd",
        2226,
    ),
    "PROTEINS/PROTEINS_node_attributes.txt": (
        "54eef829abb37e458a5fbf3a3c581e48e5810e220463c2cd951856b9ceb08f07",
        478190,
    ),
    "PROTEINS/PROTEINS_node_labels.txt": (
        "f758e8ad3d6e3c026b50833d75f6f90735b94eb3345e4243707f495ca8afea8d",
        86942,
    ),
    "PROTEINS/README.txt": (
        "e9c4ed2c9a4059ddfdc2eb7330ebecfc6c8d42dabd5ce2ee67f28aed0db49da7",
        2221,
    ),
    "NCI1/NCI1_A.txt": (
        "2c028eda59a5fe96e2265a63d9ac236901bd9a7dc658498be13cd704a703076d",
        3235898,
    ),
    "NCI1/NCI1_graph_indicator.txt": (
        "ffe5acfa754b057d5ce0dc725c5aadb631628161886cc040d38c719635257dc5",
        585267,
    ),
    "NCI1/NCI1_graph_labels.txt": (
        "fae44681e70113f496256ae87eaac33b7836e3a97fe8e023933b84fde6a5c8a2",
        8220,
    ),
    "NCI1/NCI1_node_labels.txt": (
        "dc0a22b6cbff0c939de00373e823977ba32b358f560e4288d7602f7b51407ee2",
        245932,
    ),
    "NCI1/README.txt": (
        "1866d918409a22531ef00ff7b0f72200c3a06722342c23c5e3299cebb5cd8757",
        2477,
    ),
    "IMDB-BINARY/IMDB-BINARY.zip": (
        "3a0b85c87f7fdfbde624ef943e75fddd22fc3a4e6001bb9a07eaa64a997e520e",
        579242,
    ),
    "IMDB-reviews/README": (
        "8997da3508dfb0d2274dce886966cf353f32e62c504b9504102e8a8bcf3eb034",
        3977,
    ),
    "IMDB-reviews/test.csv.gz": (
        "bdef6ae239d94505f7527ef08ae313f24659405c9ea69f7b16533c42684fd891",
        12510706,
    ),
    "IMDB-reviews/train.csv.gz": (
        "93828fd7aeb326a0c820abb8853b346768c7b55476c8cc7c614b95348f01f2c3",
        12814732,
    ),
    "adult/adult.data.gz": (
        "fb986d3609cdf068a1c234ed2695603b74c66c4be723467d9d69542024847442",
        439363,
    ),
    "adult/adult.names": (
        "c248284c0b5de30c9e1958d6cdd168a34a654758b620e68f46aefa83fc0a576a",
        5229,
    ),
    "adult/adult.test.gz": (
        "74aa81a0e0880467a50de97be6ba8130df14a3ef8c0c3a14de2a9a997d068fbf",
        220798,
    ),
    "german-credit/german.data": (
        "b21f3d81db8071257d5ff1deaeba1fd4303b62712e6fcc9715c7a86202cb5871",
        79793,
    ),
    "german-credit/german.doc": (
        "f8e14868ae174a9aa9b3c3bc3035ed3330175a17c8a5d08217bedc1b046e15d1",
        4678,
    ),
    "pima-diabetes/pima-indians-diabetes.data.csv": (
        "06f5b7c2cd7bca686fda4f92eab5f61e7ff6426a9acefa2e3dda04fc54293cf5",
        23279,
    ),
    "pima-diabetes/pima-indians-diabetes.names": (
        "070560f25ab33816584e64d423fd35b00e663373ea3a4d6c8f222add7895032f",
        3067,
    ),
    "heart-disease-cleveland/Index": (
        "d41af1035979b6068dd812c7acf3533dff92195f060b71b805d0cf476dc129cc",
        644,
    ),
    "heart-disease-cleveland/WARNING": (
        "01ae7cb6ab43a387b206f7127ce81869639d9d3076d447c12d7df17ad583f954",
        407,
    ),
    "heart-disease-cleveland/heart-disease.names": (
        "ec7ed5aa4ed8321097808f47b836301c2a0c36f3bb09c40b8b43b622363e6b61",
        10060,
    ),
    "heart-disease-cleveland/processed.cleveland.data": (
        "a74b7efa387bc9d108d7d0115d831fe9b414b29ae7124f331b622b4efa0427c8",
        18461,
    ),
    "bank-marketing/bank.zip": (
        "99d7e8eb12401ed278b793984423915411ea8df099e1795f9fefe254f513fe5e",
        579043,
    ),
    "womens-clothing-reviews/Womens Clothing E-Commerce Reviews.csv.gz": (
        "471110b1fd241cb109a6cb1ec95760e84b071c5ce2df0f6f30876c0b941a1767",
        2831070,
    ),
    "SKAB/LICENSE": (
        "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986",
        35149,
    ),
    "SKAB/data/README.md": (
        "5696f68f1ceb4db1a7616f1a27e3675c6a9b63b123c8cbbc5390a0faff58b39b",
        2462,
    ),
    "SKAB/data/anomaly-free/anomaly-free.csv": (
        "7641a8742957100ef424dd97adfb3eeab27d4d180645fe2b3c49b7f7146ae9a6",
        814703,
    ),
    "SKAB/data/other/1.csv": (
        "3beaf861bdfe9b4f4eff8e7567c1dd3f506fbd0ce667fc9399d04bd2dc70623d",
        70326,
    ),
    "SKAB/data/other/10.csv": (
        "72683644f6f17689f619076a66a9ec02cbc0502bd669924c4c33951d1bdad9b0",
        124516,
    ),
    "SKAB/data/other/11.csv": (
        "98a2fff3b6516205ae2e12f2dd30d7f08465fe4321a1bd5cf823396985ecb37b",
        112720,
    ),
    "SKAB/data/other/12.csv": (
        "b0882efbcf2669223ae78bee61c9f10074a9b2375f0e86b8957ae5ce4aad1e72",
        99534,
    ),
    "SKAB/data/other/13.csv": (
        "b3f1da02064d11234836a9fa1a2536bb0d3b6c6998ab60b0b71869b98e94d860",
        87634,
    ),
    "SKAB/data/other/14.csv": (
        "c7f361e55397cc9efd4a76b6876111eda79b650d10aeb007342ca5972152eaef",
        85828,
    ),
    "SKAB/data/other/2.csv": (
        "951c326bf36366fa7615b8f28d22f80b3878036069a690f42b3e223737a6a8d1",
        73661,
    ),
    "SKAB/data/other/3.csv": (
        "f3c19a89f74f62a475c246b9263f161f7a734dd88304de803939cebaa55c7ebd",
        107404,
    ),
    "SKAB/data/other/4.csv": (
        "56ca23f4eb61d1347d079eb9a35c60a59b8b64e160c00dd0c2ec69e0df0b2a4b",
        112334,
    ),
    "SKAB/data/other/5.csv": (
        "7347b326df3a92c0810c69add0e5621939af7a1c1cb4755081d088e72d36920f",
        108203,
    ),
    "SKAB/data/other/6.csv": (
        "eb8f05622a62c855040ea358b87be35fb1a4a3720ba0610569bab384db4b6e04",
        107422,
    ),
    "SKAB/data/other/7.csv": (
        "1bee14f49bfc817ba2c335fb427baa71153d8f8ab52e72652f15f74e4b77daec",
        102054,
    ),
    "SKAB/data/other/8.csv": (
        "12c138ed99c198e0a7ece886fe01bfd16bbdde206fad6c5d74322b6b9d6488d0",
        107600,
    ),
    "SKAB/data/other/9.csv": (
        "11c4514b0bc706acff637fea6707ad9258ac878fe9dff3d0b11d2b618d94d8ea",
        108481,
    ),
    "SKAB/data/valve1/0.csv": (
        "16af3f71313a23dd33d9b7b8065d836d05c3f9257588881cc7fbe07c076d9dc8",
        110346,
    ),
    "SKAB/data/valve1/1.csv": (
        "fe4493bf805baef4e6dfb864094275d8cc2ea80a16b3735e2752b18b6aefd812",
        110330,
    ),
    "SKAB/data/valve1/10.csv": (
        "ee16be8e4b870c779491e3d1dc9e0ecbfaf29eb013e032abff7a33f2cbbfe2ad",
        110623,
    ),
    "SKAB/data/valve1/11.csv": (
        "89660fae4ed5c918db014409bbbc29f498fd99c7e956fab2620d18dea700a973",
        110166,
    ),
    "SKAB/data/valve1/12.csv": (
        "90adfa9bc86d4556e6a4ce734436fd5685af79c189cd9828f8df75a7f468ce07",
        110061,
    ),
    "SKAB/data/valve1/13.csv": (
        "d6cb6a97437215d3066a87e1fcc5fa4e68017629c043c5315920e3cf1060841c",
        110455,
    ),
    "SKAB/data/valve1/14.csv": (
        "5f0bb9bc33c5e6c259263e32e25915c4d24c82b0a94554d48808626da05c1d71",
        110181,
    ),
    "SKAB/data/valve1/15.csv": (
        "75cc86ab25d7091eee024739fa06d048753480d5d7d1507077231cab4f1b7a7e",
        111352,
    ),
    "SKAB/data/valve1/2.csv": (
        "90492413469261886c8896c327241448df5da73fd7739cabfec8dd82de3c0ce4",
        103507,
    ),
    "SKAB/data/valve1/3.csv": (
        "cb6afea108eddfd8447307e405f86bbb764b8d8e9130d7849a46e1303e19b8b2",
        110534,
    ),
    "SKAB/data/valve1/4.csv": (
        "983aed9dc09991a57911091373c580e1b86d06aa983cd51678f108fd8d709654",
        105634,
    ),
    "SKAB/data/valve1/5.csv": (
        "78974991ec87b7f9b9b6b2944f4b525468a9beb36c59b06cd7650d9a15eca14a",
        111575,
    ),
    "SKAB/data/valve1/6.csv": (
        "97469c0e0c9c0e0ee5d30794f1f36c6785df5816a112a8b16c59637e8c894685",
        111676,
    ),
    "SKAB/data/valve1/7.csv": (
        "ca2c9c6d6fa302c642acec6fbedac495bd12fececeee0a755d45a54e340e0f30",
        105941,
    ),
    "SKAB/data/valve1/8.csv": (
        "0c4afb92248b5b35b4c9d734a91ed8318346901f04579074903730569e60416c",
        110305,
    ),
    "SKAB/data/valve1/9.csv": (
        "2aa1ae1b2ff505caecda24802b877dc686924bbbeeb7e7db4faa261efb5ed5bd",
        110586,
    ),
    "SKAB/data/valve2/0.csv": (
        "a6670e7a68c7c6ba62c649bd9d350633e80db624578e9529f2b736ced5e32bde",
        109156,
    ),
    "SKAB/data/valve2/1.csv": (
        "b35d27f664eb0851ab73e5eb06633404c7eeaf532edff7e40c68eb9379f2012b",
        102680,
    ),
    "SKAB/data/valve2/2.csv": (
        "2c3005cf28b88db715b7f4694e826ff252cba4dbb1eba679b040961f80477e60",
        109005,
    ),
    "SKAB/data/valve2/3.csv": (
        "86927555d5c523e587d41500bd5dee4e2468289ec1b988ac17755aeae697d7f8",
        96048,
    ),
    "CIFAR-10-images/train.tar": (
        "6103dd97a3ee4172532258ff6a910140fe3446184eb3fe1c9d62fd7da8e0dc8c",
        15452160,
    ),
    "CIFAR-10-images/test.tar": (
        "cb8c1c3252ce553d5f5c56cb61b52f5a1cb0eda662b6ad7cebce7662390dce47",
        15452160,
    ),
    "cifar10/cifar-10-python.tar.gz": (
        "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
        170498071,
    ),
}
